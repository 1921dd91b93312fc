/**
 * `npm run limits`: every limit a record can reach, reached on purpose against the local stack (Apache
 * Kafka, DynamoDB Local, every function behind its emulated mapping, the query API), as an outside
 * producer and client would. Each bad record is followed on its partition by an ordinary order, which
 * must be placed; each bad record must end as one dead letter per consumer of its topic, written by the
 * function at once with its reason — never a `RetriesExhausted` letter of the mapping, never a retry.
 * Prints one table and ends with `limits … lost=<n>`; exits 0 only when every row holds.
 */

import { randomUUID } from 'node:crypto';
import { type DeadLetter, readDeadLetters, runCli } from '@msk-patterns/emulator';
import {
  type Envelope,
  envelopeFor,
  envelopeHeaders,
  KAFKA_MESSAGE_MAX_BYTES,
  kafkaErrorTypes,
  MAX_MESSAGE_BYTES,
  MAX_PAGE_SIZE,
  type MessageContract,
} from '@msk-patterns/pipeline';
import { CompressionTypes, Kafka, logLevel, type Message, type Producer } from 'kafkajs';
import { MAX_ORDER_LINES } from '../lib/contracts/fields.js';
import { cancelOrderV1, confirmOrderV1, placeOrderV1 } from '../lib/contracts/orders.js';
import { TIMELINE_LENGTH } from '../lib/store/order-views.js';
import { emulatorTotals, type LocalStack, startLocalStack } from './demo/stack.js';
import { pollUntil } from './poll.js';

process.env.POWERTOOLS_LOG_LEVEL ||= 'ERROR';

const TOPIC = 'orders.commands';
const WAIT_MS = 180_000;

interface Row {
  limit: string;
  input: string;
  outcome: string;
  /** dead letters per consumer of the topic, for each bad record: 1 expected, 0 when the broker refused it */
  lettersPerConsumer: string;
  retriesExhausted: number;
  mappingRetries: number;
  nextPlaced: boolean;
  ok: boolean;
}

interface Bench {
  stack: LocalStack;
  producer: Producer;
  /** the functions whose mappings read orders.commands */
  consumers: string[];
}

/** A command as a client writes it: its contract's envelope, a fresh id, now. */
const command = <TData>(contract: MessageContract<TData>, data: TData): Envelope<TData> =>
  envelopeFor(contract, data, { id: randomUUID(), occurredAt: new Date().toISOString() });

const placeOrder = (orderId: string, customerId = 'limits-customer', items = 1) =>
  command(placeOrderV1, {
    orderId,
    customerId,
    currency: 'EUR',
    items: Array.from({ length: items }, () => ({ sku: 'limits-no-stock', quantity: 1, unitPrice: 100 })),
  });

const asMessage = (envelope: Envelope, partition: number, key: string): Message => ({
  key,
  value: JSON.stringify(envelope),
  headers: envelopeHeaders(envelope),
  partition,
});

/** Send as one outside producer would; the offsets the broker gave, or the broker's refusal. */
async function send(
  bench: Bench,
  messages: Message[],
  compression = CompressionTypes.None,
): Promise<{ offsets: number[] } | { refused: string }> {
  try {
    const [metadata] = await bench.producer.send({ topic: TOPIC, acks: -1, compression, messages });
    const base = Number(metadata?.baseOffset ?? Number.NaN);
    return { offsets: messages.map((_, index) => base + index) };
  } catch (error) {
    return { refused: kafkaErrorTypes(error).join(', ') || String(error) };
  }
}

async function getJson(bench: Bench, path: string): Promise<{ status: number; text: string }> {
  const response = await fetch(`${bench.stack.apiUrl}${path}`);
  return { status: response.status, text: await response.text() };
}

const placed = (bench: Bench, orderId: string) =>
  pollUntil(async () => (await getJson(bench, `/orders/${orderId}`)).status === 200, {
    timeoutMs: WAIT_MS,
    intervalMs: 250,
  });

/** The letters of `offsets` on `partition`, once every consumer wrote one for each (or time ran out). */
async function lettersOf(bench: Bench, partition: number, offsets: readonly number[]): Promise<DeadLetter[]> {
  const wanted = new Set(offsets);
  let letters: DeadLetter[] = [];
  await pollUntil(
    async () => {
      letters = (
        await readDeadLetters(bench.stack.infrastructure.kafkaBrokers, { topics: [`${TOPIC}.dlq`] })
      ).filter(
        (letter) =>
          letter.original?.topic === TOPIC &&
          letter.original.partition === partition &&
          wanted.has(letter.original.offset),
      );
      return letters.length >= offsets.length * bench.consumers.length;
    },
    { timeoutMs: WAIT_MS, intervalMs: 500 },
  );
  return letters;
}

/** What one dead letter per consumer means for `letters` of `offsets`: "1" when it holds, else the counts. */
function perConsumer(bench: Bench, letters: readonly DeadLetter[], offsets: readonly number[]): string {
  const counts = new Set<number>();
  for (const offset of offsets)
    for (const consumer of bench.consumers)
      counts.add(
        letters.filter((letter) => letter.original?.offset === offset && letter.functionName === consumer)
          .length,
      );
  return [...counts].sort().join('/');
}

/**
 * Bad records on one partition, then an ordinary order: each bad record must end as one letter per
 * consumer with a reason matching `reason`, the order must be placed.
 */
async function deadLettered(
  bench: Bench,
  limit: string,
  input: string,
  bad: (partition: number) => Message[],
  reason: RegExp,
  options: { compression?: CompressionTypes; perRequest?: number } = {},
): Promise<Row> {
  const partition = Math.floor(Math.random() * 6);
  const retriesBefore = emulatorTotals(bench.stack.emulator).retries;
  const messages = bad(partition);
  const perRequest = options.perRequest ?? messages.length;
  let sent: Awaited<ReturnType<typeof send>> = { offsets: [] };
  for (let start = 0; start < messages.length && 'offsets' in sent; start += perRequest) {
    const part = await send(bench, messages.slice(start, start + perRequest), options.compression);
    sent = 'offsets' in part ? { offsets: [...sent.offsets, ...part.offsets] } : part;
  }
  const next = `limits-next-${randomUUID()}`;
  await send(bench, [asMessage(placeOrder(next), partition, next)]);
  const nextPlaced = await placed(bench, next);
  if ('refused' in sent)
    return {
      limit,
      input,
      outcome: `not produced, refused with ${sent.refused}`,
      lettersPerConsumer: '0 (none to write)',
      retriesExhausted: 0,
      mappingRetries: emulatorTotals(bench.stack.emulator).retries - retriesBefore,
      nextPlaced,
      ok: false,
    };
  const letters = await lettersOf(bench, partition, sent.offsets);
  const exhausted = letters.filter((letter) => letter.condition === 'RetriesExhausted').length;
  const reasons = [...new Set(letters.map((letter) => `${letter.errorClass}: ${letter.errorMessage}`))];
  const omitted = letters.some((letter) => letter.payloadOmitted)
    ? ' (value left out: size and hash kept)'
    : '';
  const lettersPerConsumer = perConsumer(bench, letters, sent.offsets);
  const mappingRetries = emulatorTotals(bench.stack.emulator).retries - retriesBefore;
  return {
    limit,
    input,
    outcome: `${reasons.length === 1 ? reasons[0]?.slice(0, 110) : `${reasons.length} reasons`}${omitted}`,
    lettersPerConsumer,
    retriesExhausted: exhausted,
    mappingRetries,
    nextPlaced,
    ok:
      lettersPerConsumer === '1' &&
      exhausted === 0 &&
      mappingRetries === 0 &&
      nextPlaced &&
      reasons.every((text) => reason.test(text)),
  };
}

const garbage = (bytes: number) => Buffer.alloc(bytes, 'z');

const CASES: Array<(bench: Bench) => Promise<Row>> = [
  async (bench) => {
    const partition = 0;
    const sent = await send(bench, [
      { key: 'limits-huge', value: garbage(KAFKA_MESSAGE_MAX_BYTES + 1024), partition },
    ]);
    const next = `limits-next-${randomUUID()}`;
    await send(bench, [asMessage(placeOrder(next), partition, next)]);
    const nextPlaced = await placed(bench, next);
    const refused = 'refused' in sent ? sent.refused : undefined;
    return {
      limit: `max.message.bytes ${KAFKA_MESSAGE_MAX_BYTES}`,
      input: 'a record of 1.05 MB',
      outcome: refused ? `refused by the broker at produce time: ${refused}` : 'accepted by the broker',
      lettersPerConsumer: '0 (never on the topic)',
      retriesExhausted: 0,
      mappingRetries: 0,
      nextPlaced,
      ok: refused === 'MESSAGE_TOO_LARGE' && nextPlaced,
    };
  },
  (bench) =>
    deadLettered(
      bench,
      'a dead letter above max.message.bytes',
      'a record of 900 KB (its letter in base64 would be 1.2 MB)',
      (partition) => [{ key: 'limits-900k', value: garbage(900 * 1024), partition }],
      /ContractViolationError: value is 921600 bytes/,
    ),
  (bench) =>
    deadLettered(
      bench,
      'one publish request ≤ max.message.bytes',
      '100 records × 40 KB of garbage on one partition',
      (partition) =>
        Array.from({ length: 100 }, (_, index) => ({
          key: 'limits-junk',
          value: `${index} ${garbage(40 * 1024).toString()}`,
          partition,
        })),
      /ContractViolationError: value is not JSON/,
      // as producers write them over time: each request within the broker's limit
      { perRequest: 4 },
    ),
  (bench) =>
    deadLettered(
      bench,
      `a message ≤ ${MAX_MESSAGE_BYTES} bytes (contract)`,
      'an envelope id of 100 KB',
      (partition) => {
        const orderId = `limits-${randomUUID()}`;
        return [asMessage({ ...placeOrder(orderId), id: `m${'9'.repeat(100 * 1024)}` }, partition, orderId)];
      },
      /ContractViolationError: value is \d+ bytes; a message on orders.commands takes at most/,
    ),
  (bench) =>
    deadLettered(
      bench,
      'an id ≤ 128 characters (a DynamoDB key ≤ 2,048 bytes)',
      'an order id of 3,000 characters',
      (partition) => [asMessage(placeOrder(`o${'x'.repeat(3000)}`), partition, 'limits-long-id')],
      /ContractViolationError: PlaceOrder v1 is invalid: data\.orderId/,
    ),
  (bench) =>
    deadLettered(
      bench,
      `${MAX_ORDER_LINES} order lines (a transaction ≤ 100 items)`,
      '200,000 order lines (8 MB), gzip-compressed to pass the broker',
      (partition) => [
        asMessage(
          placeOrder(`limits-${randomUUID()}`, 'limits-customer', 200_000),
          partition,
          'limits-lines',
        ),
      ],
      /ContractViolationError: value is \d+ bytes/,
      { compression: CompressionTypes.GZIP },
    ),
  rejections,
  busyCustomer,
];

/** 5,000 refused commands of one order: the view stays one item under 400 KB, its timeline bounded. */
async function rejections(bench: Bench): Promise<Row> {
  const orderId = `limits-rejected-${randomUUID()}`;
  const partition = 5;
  const commands = [
    placeOrder(orderId),
    command(cancelOrderV1, { orderId, reason: 'limits: cancelled before it is confirmed' }),
    ...Array.from({ length: 5_000 }, () => command(confirmOrderV1, { orderId })),
  ];
  const retriesBefore = emulatorTotals(bench.stack.emulator).retries;
  for (let start = 0; start < commands.length; start += 500)
    await send(
      bench,
      commands.slice(start, start + 500).map((envelope) => asMessage(envelope, partition, orderId)),
    );
  const next = `limits-next-${randomUUID()}`;
  await send(bench, [asMessage(placeOrder(next), partition, next)]);
  const nextPlaced = await placed(bench, next);
  let view = { status: 0, text: '' };
  await pollUntil(
    async () => {
      view = await getJson(bench, `/orders/${orderId}`);
      return view.status === 200 && JSON.parse(view.text).version === commands.length;
    },
    { timeoutMs: WAIT_MS, intervalMs: 500 },
  );
  const body = view.status === 200 ? JSON.parse(view.text) : {};
  const version = Number(body.version ?? 0);
  const timeline = Array.isArray(body.timeline) ? body.timeline.length : 0;
  const mappingRetries = emulatorTotals(bench.stack.emulator).retries - retriesBefore;
  return {
    limit: 'an item ≤ 400 KB (the order view)',
    input: '5,000 refused commands of one order',
    outcome: `view at version ${version}, ${(Buffer.byteLength(view.text) / 1024).toFixed(1)} KB, timeline of its last ${timeline} events`,
    lettersPerConsumer: '0 (nothing to refuse)',
    retriesExhausted: 0,
    mappingRetries,
    nextPlaced,
    ok: version === commands.length && timeline === TIMELINE_LENGTH && mappingRetries === 0 && nextPlaced,
  };
}

/** A customer with 10,000 orders, listed through the API page by page. */
async function busyCustomer(bench: Bench): Promise<Row> {
  const customerId = `limits-busy-${randomUUID()}`;
  const orders = 10_000;
  for (let start = 0; start < orders; start += 500)
    await send(
      bench,
      Array.from({ length: Math.min(500, orders - start) }, (_, index) => {
        const orderId = `${customerId}-${String(start + index).padStart(5, '0')}`;
        return asMessage(placeOrder(orderId, customerId), (start + index) % 6, orderId);
      }),
    );
  const pageSizes: number[] = [];
  let listed = 0;
  await pollUntil(
    async () => {
      pageSizes.length = 0;
      listed = 0;
      let cursor = '';
      do {
        const page = await getJson(bench, `/customers/${customerId}/orders?limit=${MAX_PAGE_SIZE}${cursor}`);
        if (page.status !== 200) return false;
        const body = JSON.parse(page.text);
        pageSizes.push(Buffer.byteLength(page.text));
        listed += body.orders.length;
        cursor = body.next ? `&cursor=${body.next}` : '';
      } while (cursor);
      return listed === orders;
    },
    { timeoutMs: WAIT_MS * 2, intervalMs: 2_000 },
  );
  const badCursor = await getJson(bench, `/customers/${customerId}/orders?cursor=forged`);
  const tooMany = await getJson(bench, `/customers/${customerId}/orders?limit=${MAX_PAGE_SIZE + 1}`);
  const largest = Math.max(...pageSizes);
  return {
    limit: "Lambda's response ≤ 6 MB (the query API)",
    input: `a customer with ${orders.toLocaleString('en')} orders, listed through the API`,
    outcome: `${listed} orders in ${pageSizes.length} pages of ${MAX_PAGE_SIZE}, largest answer ${(largest / 1024).toFixed(1)} KB; a forged cursor ${badCursor.status}, limit ${MAX_PAGE_SIZE + 1} ${tooMany.status}`,
    lettersPerConsumer: '0 (4xx for the API)',
    retriesExhausted: 0,
    mappingRetries: 0,
    nextPlaced: listed === orders,
    ok: listed === orders && badCursor.status === 400 && tooMany.status === 400,
  };
}

function table(rows: readonly Row[]): string {
  const header = [
    'limit',
    'input',
    'outcome',
    'letters/consumer',
    'RetriesExhausted',
    'mapping retries',
    'next placed',
    'ok',
  ];
  const lines = rows.map((row) => [
    row.limit,
    row.input,
    row.outcome,
    row.lettersPerConsumer,
    String(row.retriesExhausted),
    String(row.mappingRetries),
    row.nextPlaced ? 'yes' : 'NO',
    row.ok ? 'yes' : 'NO',
  ]);
  return [header, header.map(() => '---'), ...lines].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

runCli(async () => {
  const started = performance.now();
  const packaging = new AbortController();
  const stack = await startLocalStack({ log: () => {}, signal: packaging.signal });
  const kafka = new Kafka({ brokers: stack.infrastructure.kafkaBrokers, logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  try {
    await producer.connect();
    const consumers = stack.emulator.runners
      .filter(({ mapping }) => mapping.topic === TOPIC)
      .map(({ mapping }) => mapping.functionKey);
    const bench: Bench = { stack, producer, consumers };
    const rows: Row[] = [];
    for (const run of CASES) {
      const row = await run(bench);
      process.stderr.write(`limits: ${row.input}: ${row.ok ? 'ok' : 'NOT OK'}\n`);
      rows.push(row);
    }
    const totals = emulatorTotals(stack.emulator);
    const lost = totals.dropped + rows.filter((row) => !row.nextPlaced).length;
    process.stdout.write(`${table(rows)}\n`);
    const healthy = rows.every((row) => row.ok) && totals.toDestination === 0 && lost === 0;
    process.stdout.write(
      `limits rows=${rows.length} ok=${rows.filter((row) => row.ok).length} on_failure_destination=${totals.toDestination} lost=${lost} seconds=${Math.round((performance.now() - started) / 1000)}\n`,
    );
    return healthy ? 0 : 1;
  } finally {
    await producer.disconnect().catch(() => {});
    await stack.shutdown();
  }
});
