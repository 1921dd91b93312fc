/**
 * `npm run bench -- tracing`: what tracing a batch costs, three ways, measured in the same run.
 * - ours: W3C trace context in the records' headers, one span record per record and one per
 *   invocation linked to them (`batchSpans`), written as JSON lines (`TRACE_SPANS=log` or `file:`);
 * - OpenTelemetry: the same spans through the OpenTelemetry SDK (a span per record, child of its
 *   record's `traceparent`, the invocation's span linking them), a batch span processor flushed before
 *   the invocation returns, exported as OTLP/HTTP JSON to a collector on loopback (the ADOT layer's);
 * - X-Ray: aws-xray-sdk-core (what Powertools Tracer runs on): a subsegment per record in the
 *   invocation's segment — X-Ray has no links, so a record's span cannot join its order's trace — sent
 *   as X-Ray's UDP documents to a daemon on loopback, as in Lambda.
 * Cold start: orderCommands bundled as deployed, and with each SDK set up at module init
 * (bench/baselines/tracing-*.ts). Ends with exactly three lines:
 *   tracing_bundle_kb ours=<n> opentelemetry=<n> xray=<n>
 *   tracing_init_ms ours=<n> opentelemetry=<n> xray=<n>
 *   tracing_us_per_record ours=<n> opentelemetry=<n> xray=<n>
 */
import { createSocket } from 'node:dgram';
import { mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadServerlessConfig } from '@msk-patterns/emulator';
import {
  batchSpans,
  formatTraceparent,
  newTrace,
  type RecordReport,
  recordSpanAttributes,
} from '@msk-patterns/pipeline';
import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import AWSXRay from 'aws-xray-sdk-core';
import { build } from 'esbuild';
import { bundleOptions } from '../local/bundle-options.js';
import { deployedEnvironment, initMs, median } from './coldstart.js';

const RUNS = 9;
const BATCHES = 50;
const BATCH_SIZE = 100;

/** A batch as the processor reports it: records handled, each with its incoming trace context. */
function batch(index: number): RecordReport[] {
  const started = Date.now();
  return Array.from({ length: BATCH_SIZE }, (_, position) => ({
    partition: 'orders.commands-0',
    offset: index * BATCH_SIZE + position,
    outcome: 'processed' as const,
    messageId: `message-${index}-${position}`,
    traceparent: formatTraceparent(newTrace()),
    startedAt: started,
    durationMs: 3,
    topic: 'orders.commands',
    key: `order-${position}`,
    messageType: 'PlaceOrder',
  }));
}

/** Microseconds per record of `traceBatch` over the batches, after one warm-up pass. */
async function perRecord(traceBatch: (records: RecordReport[], index: number) => Promise<void> | void) {
  const batches = Array.from({ length: BATCHES }, (_, index) => batch(index));
  for (const [index, records] of batches.slice(0, 5).entries()) await traceBatch(records, index);
  const started = performance.now();
  for (const [index, records] of batches.entries()) await traceBatch(records, index);
  return ((performance.now() - started) * 1000) / (BATCHES * BATCH_SIZE);
}

async function oursPerRecord(): Promise<number> {
  // JSON lines to a file descriptor, as the log sink writes them to stdout in Lambda.
  const sink = openSync('/dev/null', 'w');
  return perRecord((records, index) => {
    const lines = batchSpans(records, 'orderCommands', `request-${index}`).map(
      (span) => `${JSON.stringify({ level: 'INFO', message: 'span', span })}\n`,
    );
    writeSync(sink, lines.join(''));
  });
}

async function openTelemetryPerRecord(): Promise<number> {
  const collector = createServer((request, response) => {
    request.resume();
    request.on('end', () => response.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  const { port } = collector.address() as AddressInfo;
  const processor = new BatchSpanProcessor(
    new OTLPTraceExporter({ url: `http://127.0.0.1:${port}/v1/traces` }),
    { maxExportBatchSize: 512, maxQueueSize: 4096 },
  );
  const provider = new BasicTracerProvider({ spanProcessors: [processor] });
  const tracer = provider.getTracer('orderCommands');
  const propagator = new W3CTraceContextPropagator();
  propagation.setGlobalPropagator(propagator);
  try {
    return await perRecord(async (records, index) => {
      const links = records.map((record) => {
        const parent = propagator.extract(
          context.active(),
          { traceparent: record.traceparent },
          { get: (carrier, key) => carrier[key as 'traceparent'], keys: (carrier) => Object.keys(carrier) },
        );
        const span = tracer.startSpan(
          `process ${record.topic}`,
          {
            kind: SpanKind.CONSUMER,
            startTime: record.startedAt ?? Date.now(),
            attributes: recordSpanAttributes(record),
          },
          parent,
        );
        span.end((record.startedAt ?? 0) + (record.durationMs ?? 0));
        return { context: span.spanContext() };
      });
      tracer
        .startSpan(`invoke orderCommands`, {
          links,
          attributes: {
            'faas.invocation_id': `request-${index}`,
            'messaging.batch.message_count': records.length,
          },
        })
        .end();
      // Lambda freezes the environment once the handler returns: spans are flushed before it does.
      await provider.forceFlush();
    });
  } finally {
    await provider.shutdown();
    collector.close();
    trace.disable();
  }
}

async function xrayPerRecord(): Promise<number> {
  const daemon = createSocket('udp4');
  daemon.on('message', () => {});
  await new Promise<void>((resolve) => daemon.bind(0, '127.0.0.1', resolve));
  AWSXRay.setDaemonAddress(`127.0.0.1:${daemon.address().port}`);
  AWSXRay.setContextMissingStrategy('IGNORE_ERROR');
  AWSXRay.setLogger({ error: () => {}, warn: () => {}, info: () => {}, debug: () => {} });
  try {
    return await perRecord((records, index) => {
      const segment = new AWSXRay.Segment('orderCommands');
      segment.addAnnotation('invocation', `request-${index}`);
      for (const record of records) {
        const subsegment = segment.addNewSubsegment(`process ${record.topic}`);
        subsegment.addAnnotation('topic', record.topic ?? '');
        subsegment.addAnnotation('key', record.key ?? '');
        subsegment.addAnnotation('partition', record.partition);
        subsegment.addAnnotation('offset', record.offset ?? -1);
        subsegment.addAnnotation('messageId', record.messageId ?? '');
        subsegment.addAnnotation('messageType', record.messageType ?? '');
        subsegment.addAnnotation('traceparent', record.traceparent ?? '');
        subsegment.close();
      }
      segment.close();
    });
  } finally {
    daemon.close();
  }
}

export async function main(): Promise<void> {
  const config = loadServerlessConfig({ stage: 'dev' });
  const options = bundleOptions(config);
  const folder = mkdtempSync(join(tmpdir(), 'tracing-'));
  try {
    const entries = {
      ours: 'functions/orders/commands.ts',
      opentelemetry: 'bench/baselines/tracing-opentelemetry.ts',
      xray: 'bench/baselines/tracing-xray.ts',
    } as const;
    const bundles = [];
    for (const [name, entry] of Object.entries(entries)) {
      const outfile = join(folder, `${name}.cjs`);
      await build({ ...options, entryPoints: [entry], outfile, sourcemap: false, logLevel: 'error' });
      bundles.push({ name, outfile, kb: Math.round(statSync(outfile).size / 1024) });
    }
    const env = deployedEnvironment(config);
    const times = bundles.map(() => [] as number[]);
    for (let run = 0; run < RUNS; run++)
      for (const [index, bundle] of bundles.entries()) times[index]?.push(await initMs(bundle.outfile, env));
    const init = times.map((values) => median(values).toFixed(1));
    // Round-robin again for the per-record figures: each way measured three times, the median kept.
    const ways = [oursPerRecord, openTelemetryPerRecord, xrayPerRecord];
    const perRecordTimes = ways.map(() => [] as number[]);
    for (let run = 0; run < 3; run++)
      for (const [index, way] of ways.entries()) perRecordTimes[index]?.push(await way());
    const micros = perRecordTimes.map((values) => median(values).toFixed(2));
    console.log(
      `(${RUNS} fresh processes per bundle; ${BATCHES} batches of ${BATCH_SIZE} records, median of 3)`,
    );
    console.log(
      `tracing_bundle_kb ours=${bundles[0]?.kb} opentelemetry=${bundles[1]?.kb} xray=${bundles[2]?.kb}`,
    );
    console.log(`tracing_init_ms ours=${init[0]} opentelemetry=${init[1]} xray=${init[2]}`);
    console.log(`tracing_us_per_record ours=${micros[0]} opentelemetry=${micros[1]} xray=${micros[2]}`);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
