import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Emulator, loadServerlessConfig, startEmulator } from '@msk-patterns/emulator';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import * as z from 'zod';
import { startHttpServer } from '../../local/http-server.js';

/**
 * `npm run smoke` against a local stack — every function behind its emulated mapping, the query API
 * — as it runs against a running `npm start` (the addresses given as KAFKA_BROKERS, DYNAMODB_ENDPOINT
 * and API_URL, as `npm start` writes them to .local/stack.json).
 */
const config = loadServerlessConfig();
// The functions run in this process: their spans go here, as npm start's go to .local/traces.jsonl.
const traceFolder = mkdtempSync(join(tmpdir(), 'traces-'));
const traceFile = join(traceFolder, 'traces.jsonl');
process.env.TRACE_SPANS = `file:${traceFile}`;
let api: { server: Server; url: string };
let emulator: Emulator | undefined;

beforeAll(async () => {
  api = await startHttpServer(config);
});
afterEach(async () => {
  await emulator?.stop();
  emulator = undefined;
});
afterAll(() => {
  api?.server.close();
  rmSync(traceFolder, { recursive: true, force: true });
});

/** The spans written so far (JSON lines: packages/pipeline, `spanSink`). */
const span = z.object({
  kind: z.enum(['process', 'invocation']),
  traceId: z.string(),
  spanId: z.string(),
  parentSpanId: z.optional(z.string()),
  links: z.optional(z.array(z.object({ traceId: z.string(), spanId: z.string() }))),
  service: z.string(),
  attributes: z.looseObject({
    'messaging.kafka.message.key': z.optional(z.string()),
    'message.type': z.optional(z.string()),
  }),
});
const spansWritten = () =>
  readFileSync(traceFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => span.parse(JSON.parse(line)));

async function runEmulator(functions?: string[]): Promise<void> {
  emulator = await startEmulator({
    templatePath: inject('packagedTemplates').dev,
    config,
    brokers: inject('kafkaBrokers'),
    log: () => {},
    functions,
  });
}

/** `npm run smoke -- --timeout <s>`: its exit code and its output. */
async function smoke(timeoutSeconds: number): Promise<{ code: number; out: string }> {
  const env = {
    ...process.env,
    KAFKA_BROKERS: inject('kafkaBrokers').join(','),
    DYNAMODB_ENDPOINT: inject('dynamodbEndpoint'),
    API_URL: api.url,
  };
  return new Promise((resolve) => {
    execFile(
      'npm',
      ['run', 'smoke', '--silent', '--', '--timeout', String(timeoutSeconds)],
      { env, timeout: (timeoutSeconds + 60) * 1000 },
      (error, stdout, stderr) =>
        resolve({
          code: error ? (typeof error.code === 'number' ? error.code : -1) : 0,
          out: stdout + stderr,
        }),
    );
  });
}

describe('npm run smoke on the local stack', () => {
  it('follows each order hop by hop, one trace per order across every function, and exits 0 when each reaches its outcome', async () => {
    // Prepare
    await runEmulator();

    // Act
    const { code, out } = await smoke(90);

    // Assess: every hop of the order that completes, in order, and each order's outcome
    expect(out, out).toMatch(/smoke passed: 3 orders/);
    expect(code).toBe(0);
    const completes = out.split('\n').filter((line) => /^smoke-\w+-completes {2}/.test(line));
    expect(completes.map((line) => line.replace(/^\S+ {2}/, '').replace(/ {2}\+\d+ ms$/, ''))).toEqual([
      expect.stringMatching(/^command produced, trace [0-9a-f]{32}$/),
      'orders: OrderPlaced',
      'saga: OrderPlaced → reserving',
      'saga: stock reserved → charging',
      'saga: charged → confirming',
      'orders: OrderConfirmed',
      'saga: confirmed → completed',
      'ok: saga completed, order confirmed; expected saga completed, order confirmed',
    ]);
    expect(out).toMatch(/-over-limit {2}ok: saga cancelled \(payment-declined\), order cancelled/);
    expect(out).toMatch(/-customer-cancel {2}ok: saga cancelled \(customer-cancelled\), order cancelled/);
    expect(out).toMatch(/dead letters for these orders: 0/);

    // Assess: every record of the order that completes was processed in the trace its command started,
    // each a child of the span that produced it, by every function on its way, and every invocation links it
    const [, orderId = '', traceId = ''] =
      /^(smoke-\w+-completes) {2}command produced, trace ([0-9a-f]{32})$/m.exec(out) ?? [];
    // CommitStock follows the confirmation: the saga has completed before its last hop is done
    const ownSpans = () =>
      spansWritten().filter(
        (entry) => entry.kind === 'process' && entry.attributes['messaging.kafka.message.key'] === orderId,
      );
    await expect
      .poll(() => ownSpans().some((entry) => entry.attributes['message.type'] === 'StockCommitted'), {
        timeout: 30_000,
      })
      .toBe(true);
    const spans = spansWritten();
    const own = ownSpans();
    expect(new Set(own.map((entry) => entry.traceId))).toEqual(new Set([traceId]));
    const hops = own.map((entry) => `${entry.service} ${entry.attributes['message.type']}`).sort();
    expect(hops).toEqual(
      expect.arrayContaining([
        'audit PlaceOrder',
        'orderCommands PlaceOrder',
        'orderSaga OrderPlaced',
        'orderProjector OrderPlaced',
        'inventory ReserveStock',
        'orderSaga StockReserved',
        'payments ChargePayment',
        'orderSaga PaymentCompleted',
        'orderCommands ConfirmOrder',
        'audit ConfirmOrder',
        'orderSaga OrderConfirmed',
        'orderProjector OrderConfirmed',
        'inventory CommitStock',
        'orderSaga StockCommitted',
      ]),
    );
    const ids = new Set(own.map((entry) => entry.spanId));
    // the first span's parent is the client's (the smoke command); every other's is a span of this trace
    expect(own.filter((entry) => !ids.has(entry.parentSpanId ?? ''))).toHaveLength(2);
    for (const entry of own)
      expect(
        spans.some(
          (other) => other.kind === 'invocation' && other.links?.some((link) => link.spanId === entry.spanId),
        ),
        `${entry.service} ${entry.attributes['message.type']}`,
      ).toBe(true);
  }, 180_000);

  it('exits 1 naming the mapping that is not reading, with its lag', async () => {
    // Prepare: every mapping but the inventory participant's runs
    await runEmulator(Object.keys(config.functions).filter((key) => key !== 'inventory'));

    // Act
    const { code, out } = await smoke(15);

    // Assess: the stalled orders, and the mapping with the records it has not read
    expect(code, out).toBe(1);
    expect(out).toMatch(/not finished within 15 s: smoke-/);
    const named =
      /mapping inventory \(inventory\.commands, group kafka-patterns-dev-inventory\): lag (\d+) — not enabled, or still catching up/.exec(
        out,
      );
    expect(named, out).not.toBeNull();
    expect(Number(named?.[1])).toBeGreaterThanOrEqual(3);
    expect(out).not.toMatch(/mapping (?!inventory )\w+ \(/);
    expect(out).toMatch(/smoke FAILED: 3 orders/);
  }, 180_000);
});
