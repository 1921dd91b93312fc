import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as z from 'zod';
import { itemSize, type WireItem, writeUnits } from './item-size.js';

/** What one caller's requests of one operation consumed, as DynamoDB reported it. */
export interface OperationUsage {
  requests: number;
  /** requests DynamoDB refused (a failed condition, a cancelled transaction, a throttle) */
  failed: number;
  /** milliseconds from the request's arrival here to DynamoDB's answer, summed */
  ms: number;
  /** per table: the capacity units DynamoDB reported and the items the requests named */
  tables: Record<string, { units: number; items: number }>;
  /**
   * A transaction's units per table and kind of item — its partition key's value up to the first `#`
   * (`sku#…` → `INVENTORY_TABLE sku`): which items take the writes (a hot item's limit is per item)
   */
  itemKinds?: Record<string, number>;
}

/** One caller's usage by operation (`PutItem`, `TransactWriteItems`, …). */
export type Usage = Record<string, OperationUsage>;

/** A running metering proxy. */
export interface MeteringProxy {
  /** the endpoint a caller is given: `http://127.0.0.1:<port>/<caller>`, its requests counted under its name */
  endpointFor(caller: string): string;
  /** usage by caller */
  readonly usage: Record<string, Usage>;
  close(): Promise<void>;
}

/** The operations that take `ReturnConsumedCapacity` (every data-plane call that reads or writes items). */
const METERED = new Set([
  'GetItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'Query',
  'Scan',
  'BatchGetItem',
  'BatchWriteItem',
  'TransactGetItems',
  'TransactWriteItems',
]);

const TableCapacity = z.object({ TableName: z.string(), CapacityUnits: z.number().optional() });
const Answer = z.object({
  ConsumedCapacity: z.union([TableCapacity, z.array(TableCapacity)]).optional(),
  Item: z.unknown().optional(),
  Count: z.number().optional(),
  Responses: z.record(z.string(), z.array(z.unknown())).optional(),
});
/** A batch's requests for one table: a `BatchWriteItem`'s list, or a `BatchGetItem`'s keys. */
const TableRequests = z.union([
  z.array(z.unknown()),
  z.looseObject({ Keys: z.array(z.unknown()), ConsistentRead: z.boolean().optional() }),
]);
const RequestBody = z.looseObject({
  TableName: z.string().optional(),
  ConsistentRead: z.boolean().optional(),
  TransactItems: z.array(z.record(z.string(), z.object({ TableName: z.string() }))).optional(),
  RequestItems: z.record(z.string(), TableRequests).optional(),
});

/** The items a request names, per table: one for a single-item call, each entry of a batch or transaction. */
function itemsPerTable(body: z.infer<typeof RequestBody>): Record<string, number> {
  const items: Record<string, number> = {};
  const add = (table: string, count: number) => {
    items[table] = (items[table] ?? 0) + count;
  };
  if (body.TableName) add(body.TableName, 1);
  for (const item of body.TransactItems ?? [])
    for (const action of Object.values(item)) add(action.TableName, 1);
  for (const [table, requests] of Object.entries(body.RequestItems ?? {}))
    add(table, Array.isArray(requests) ? requests.length : requests.Keys.length);
  return items;
}

/**
 * What reads that found nothing cost, which DynamoDB Local reports as 0: DynamoDB bills a read of a
 * missing item, and a query that matches nothing, as the read of one item of up to 4 KB — one unit
 * strongly consistent, half a unit eventually consistent
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html).
 */
function unitsForNothingFound(
  operation: string,
  request: z.infer<typeof RequestBody>,
  answer: z.infer<typeof Answer>,
): Map<string, number> {
  const units = new Map<string, number>();
  const unit = (consistent: boolean | undefined) => (consistent === true ? 1 : 0.5);
  const table = request.TableName ?? '';
  const found =
    operation === 'GetItem' ? answer.Item !== undefined : operation !== 'Query' || answer.Count !== 0;
  // Only where DynamoDB Local said 0: were it one day to bill these itself, they would not count twice.
  const reported = [answer.ConsumedCapacity ?? []].flat().find((capacity) => capacity.TableName === table);
  if (!found && !reported?.CapacityUnits) units.set(table, unit(request.ConsistentRead));
  if (operation === 'BatchGetItem')
    for (const [name, asked] of Object.entries(request.RequestItems ?? {})) {
      if (Array.isArray(asked)) continue;
      const missing = asked.Keys.length - (answer.Responses?.[name]?.length ?? 0);
      if (missing > 0) units.set(name, missing * unit(asked.ConsistentRead));
    }
  return units;
}

function usageOf(usage: Usage, operation: string): OperationUsage {
  usage[operation] ??= { requests: 0, failed: 0, ms: 0, tables: {} };
  return usage[operation];
}

/** DynamoDB's JSON protocol, for the proxy's own calls (DynamoDB Local checks no signature). */
async function call(upstream: string, operation: string, body: unknown): Promise<unknown> {
  const answer = await fetch(upstream, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': `DynamoDB_20120810.${operation}`,
      authorization:
        'AWS4-HMAC-SHA256 Credential=local/20260101/eu-west-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
    },
    body: JSON.stringify(body),
  });
  const parsed: unknown = await answer.json();
  if (!answer.ok) throw new Error(`metering proxy: ${operation} refused: ${JSON.stringify(parsed)}`);
  return parsed;
}

/** Units of a committed transaction: per table, and per table and kind of item. */
interface TransactionUnits {
  units: Map<string, number>;
  kinds: Map<string, number>;
}

/** The kind of an item: its partition key's value up to the first `#`, or the whole value. */
function itemKindOf(key: WireItem): string {
  const first = Object.values(key)[0];
  const value = first && 'S' in first ? String(first.S) : '';
  return value.includes('#') ? (value.split('#')[0] ?? '') : '';
}

const TableKeys = z.object({
  Table: z.object({ KeySchema: z.array(z.object({ AttributeName: z.string() })) }),
});
const WireItemSchema = z.record(z.string(), z.record(z.string(), z.unknown()));
const TransactAction = z.object({
  TableName: z.string(),
  Item: WireItemSchema.optional(),
  Key: WireItemSchema.optional(),
});
const TransactItems = z.object({ TransactItems: z.array(z.record(z.string(), TransactAction)) });

/**
 * What a `TransactWriteItems` costs as DynamoDB bills it: each item twice its write units, an item's
 * size being the larger of its size before and after (a put or update replaces it; a delete is billed
 * on what it removed; a condition check on the item it checked). DynamoDB Local reports a
 * transaction's capacity per table as twice its *largest* item's units — two 1.5 KB puts: 4, where
 * DynamoDB bills 8 (docs/cost.md, "DynamoDB Local and transactions") — so the proxy computes it: the
 * items' sizes before (read before the transaction is sent) and after (the put's item, or read after).
 */
class TransactionCapacity {
  readonly #keys = new Map<string, string[]>();
  constructor(readonly upstream: string) {}

  async #keyOf(table: string, item: WireItem): Promise<WireItem> {
    let names = this.#keys.get(table);
    if (!names) {
      const described = TableKeys.parse(await call(this.upstream, 'DescribeTable', { TableName: table }));
      names = described.Table.KeySchema.map(({ AttributeName }) => AttributeName);
      this.#keys.set(table, names);
    }
    return Object.fromEntries(names.map((name) => [name, item[name] ?? { NULL: true }]));
  }

  async #size(table: string, key: WireItem): Promise<number> {
    const answer = z
      .object({ Item: WireItemSchema.optional() })
      .parse(await call(this.upstream, 'GetItem', { TableName: table, Key: key, ConsistentRead: true }));
    return answer.Item ? itemSize(answer.Item) : 0;
  }

  /**
   * Read what the transaction will replace; then `after()` gives the units per table, and per table and
   * kind of item, once it committed.
   */
  async before(body: unknown): Promise<{ after: () => Promise<TransactionUnits> }> {
    const actions = TransactItems.parse(body).TransactItems.flatMap((item) => Object.entries(item));
    const measured = await Promise.all(
      actions.map(async ([kind, action]) => {
        const key = action.Key ?? (await this.#keyOf(action.TableName, action.Item ?? {}));
        return { kind, action, key, before: await this.#size(action.TableName, key) };
      }),
    );
    return {
      after: async () => {
        const units = new Map<string, number>();
        const kinds = new Map<string, number>();
        for (const { kind, action, key, before } of measured) {
          const after =
            kind === 'Put'
              ? itemSize(action.Item ?? {})
              : kind === 'Update'
                ? await this.#size(action.TableName, key)
                : 0;
          const itemUnits = 2 * writeUnits(Math.max(before, after));
          units.set(action.TableName, (units.get(action.TableName) ?? 0) + itemUnits);
          const itemKind = `${action.TableName} ${itemKindOf(key)}`;
          kinds.set(itemKind, (kinds.get(itemKind) ?? 0) + itemUnits);
        }
        return { units, kinds };
      },
    };
  }
}

/**
 * An HTTP proxy in front of DynamoDB Local that asks DynamoDB, on every request, what it consumed
 * (`ReturnConsumedCapacity: INDEXES`: the capacity units per table) and adds it up per caller,
 * operation and table — computing itself what DynamoDB Local gets wrong: a transaction's units
 * ({@link TransactionCapacity}) and a read that found nothing. The functions run unchanged: only their
 * `DYNAMODB_ENDPOINT` points here, with their name as the endpoint's path (the SDK keeps an endpoint's
 * path). DynamoDB Local does not check signatures, so the rewritten body is accepted; the answer is
 * passed back byte for byte.
 *
 * @param upstream - DynamoDB Local's URL, asked at each request (the proxy can start before it)
 * @example
 * ```ts
 * const meter = await startMeteringProxy(() => 'http://127.0.0.1:8000');
 * const client = new DynamoDBClient({ endpoint: meter.endpointFor('audit'), region: 'eu-west-1' });
 * // … the function runs with that client …
 * console.log(meter.usage.audit?.TransactWriteItems?.tables);
 * await meter.close();
 * ```
 */
export async function startMeteringProxy(upstream: () => string): Promise<MeteringProxy> {
  const usageByCaller: Record<string, Usage> = {};
  let transactions: TransactionCapacity | undefined;

  async function meter(caller: string, operation: string, body: Buffer, headers: IncomingHttpHeaders) {
    const target = upstream();
    transactions = transactions?.upstream === target ? transactions : new TransactionCapacity(target);
    const started = performance.now();
    let sent = body;
    let items: Record<string, number> = {};
    let request: z.infer<typeof RequestBody> = {};
    let transaction: { after: () => Promise<TransactionUnits> } | undefined;
    if (METERED.has(operation)) {
      const parsed: unknown = JSON.parse(body.toString('utf8'));
      request = RequestBody.parse(parsed);
      items = itemsPerTable(request);
      if (operation === 'TransactWriteItems') transaction = await transactions.before(parsed);
      sent = Buffer.from(JSON.stringify({ ...Object(parsed), ReturnConsumedCapacity: 'INDEXES' }));
    }
    const answer = await fetch(target, {
      method: 'POST',
      headers: Object.fromEntries(
        Object.entries(headers).filter(
          (entry): entry is [string, string] =>
            typeof entry[1] === 'string' && !['host', 'content-length', 'connection'].includes(entry[0]),
        ),
      ),
      body: sent,
    });
    const answerBody = Buffer.from(await answer.arrayBuffer());
    if (METERED.has(operation)) {
      usageByCaller[caller] ??= {};
      const counted = usageOf(usageByCaller[caller], operation);
      counted.requests++;
      counted.ms += performance.now() - started;
      if (!answer.ok) counted.failed++;
      const answered = answer.ok ? Answer.parse(JSON.parse(answerBody.toString('utf8'))) : {};
      const perTable = unitsForNothingFound(operation, request, answered);
      if (transaction && answer.ok) {
        const committed = await transaction.after();
        for (const [table, units] of committed.units) perTable.set(table, units);
        counted.itemKinds ??= {};
        for (const [kind, units] of committed.kinds)
          counted.itemKinds[kind] = (counted.itemKinds[kind] ?? 0) + units;
      } else
        for (const capacity of [answered.ConsumedCapacity ?? []].flat())
          perTable.set(
            capacity.TableName,
            (perTable.get(capacity.TableName) ?? 0) + (capacity.CapacityUnits ?? 0),
          );
      for (const table of new Set([...perTable.keys(), ...Object.keys(items)])) {
        counted.tables[table] ??= { units: 0, items: 0 };
        counted.tables[table].units += perTable.get(table) ?? 0;
        counted.tables[table].items += items[table] ?? 0;
      }
    }
    return { status: answer.status, headers: answer.headers, body: answerBody };
  }

  const server: Server = createServer((incoming, outgoing) => {
    const caller = decodeURIComponent((incoming.url ?? '/').split('/')[1] || 'unnamed');
    const operation = String(incoming.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      meter(caller, operation, Buffer.concat(chunks), incoming.headers).then(
        (answer) => {
          outgoing.writeHead(answer.status, {
            'content-type': answer.headers.get('content-type') ?? 'application/x-amz-json-1.0',
            ...(answer.headers.get('x-amzn-requestid')
              ? { 'x-amzn-requestid': answer.headers.get('x-amzn-requestid') ?? '' }
              : {}),
          });
          outgoing.end(answer.body);
        },
        (error: unknown) => {
          outgoing.writeHead(502, { 'content-type': 'text/plain' });
          outgoing.end(`metering proxy: ${error instanceof Error ? error.message : String(error)}`);
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpointFor: (caller) => `http://127.0.0.1:${port}/${encodeURIComponent(caller)}`,
    usage: usageByCaller,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
