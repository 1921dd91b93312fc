import type { DecodedRecord, IdempotencyStore } from '@msk-patterns/pipeline';
import { handlerExport, importFunctionModule } from '@msk-patterns/serverless-plugin';
import type { DeadLetter } from './dead-letters.js';

/** A consumer's marker key for a record of its topics (`markerKeyOf` on a `consumer()` handler). */
export type MarkerKeyOf = (record: DecodedRecord) => string | undefined;

/** What a redrive of a letter's record would publish from its committed outbox. */
export interface CommittedOutbox {
  /** the marker the outbox is stored in */
  marker: string;
  messages: number;
  /** a redelivery already republished it (and the broker confirmed): a redrive publishes nothing more */
  republished: boolean;
}

function markerKeyOfExport(handler: unknown): MarkerKeyOf | undefined {
  if (typeof handler !== 'function') return undefined;
  const markerKeyOf: unknown = Reflect.get(handler, 'markerKeyOf');
  return typeof markerKeyOf === 'function'
    ? (record) => {
        const key: unknown = markerKeyOf(record);
        return typeof key === 'string' ? key : undefined;
      }
    : undefined;
}

/**
 * Every Kafka consumer of serverless.yml by function key, with how it keys its markers.
 *
 * @param functions - serverless.yml `functions`
 * @param serviceDirectory - the directory of serverless.yml
 * @default serviceDirectory process.cwd()
 * @example
 * ```ts
 * const markerKeys = await consumerMarkerKeys(loadServerlessConfig().functions, process.cwd());
 * markerKeys.get('payments')?.(record); // the marker the payments consumer commits this record under
 * ```
 */
export async function consumerMarkerKeys(
  functions: Record<string, { handler: string }>,
  serviceDirectory: string = process.cwd(),
): Promise<Map<string, MarkerKeyOf>> {
  const consumers = new Map<string, MarkerKeyOf>();
  for (const [functionKey, { handler }] of Object.entries(functions)) {
    const markerKeyOf = markerKeyOfExport(
      handlerExport(await importFunctionModule(serviceDirectory, handler), handler),
    );
    if (markerKeyOf) consumers.set(functionKey, markerKeyOf);
  }
  return consumers;
}

/**
 * The function key a dead letter's function name stands for: the key itself locally,
 * `<service>-<stage>-<key>` in AWS (the framework's default function name). The longest key that
 * matches wins, so that `saga` does not take the letters of `orderSaga`.
 *
 * @param functionName - the `functionName` a dead letter carries
 * @param functionKeys - the service's function keys
 * @returns the key, or undefined when none matches
 * @example
 * ```ts
 * functionKeyOf('kafka-patterns-prod-orderSaga', ['saga', 'orderSaga']); // 'orderSaga'
 * ```
 */
export function functionKeyOf(functionName: string, functionKeys: Iterable<string>): string | undefined {
  return [...functionKeys]
    .filter((key) => functionName === key || functionName.endsWith(`-${key}`))
    .sort((a, b) => b.length - a.length)[0];
}

/**
 * For each letter whose source record committed an outbox that is still stored, what a redrive would
 * publish from it, by letter id. A letter whose function or record the tool cannot place has none.
 *
 * @param letters - the dead letters to look up
 * @param consumers - each consumer by function key, with how it keys its markers (`consumerMarkerKeys`)
 * @param store - the idempotency store holding the markers
 * @example
 * ```ts
 * const letters = await readDeadLetters(brokers);
 * const outboxes = await committedOutboxes(letters, await consumerMarkerKeys(config.functions), store);
 * outboxes.get(letters[0].id); // { messages: 2, republished: false }: redriving it publishes, never decides again
 * ```
 */
export async function committedOutboxes(
  letters: readonly DeadLetter[],
  consumers: ReadonlyMap<string, MarkerKeyOf>,
  store: Pick<IdempotencyStore, 'outboxes'>,
): Promise<Map<string, CommittedOutbox>> {
  const markerOf = new Map<string, string>();
  for (const letter of letters) {
    const functionKey = functionKeyOf(letter.functionName, consumers.keys());
    const marker = functionKey && letter.original && consumers.get(functionKey)?.(letter.original);
    if (marker) markerOf.set(letter.id, marker);
  }
  const stored = await store.outboxes([...markerOf.values()]);
  const outboxes = new Map<string, CommittedOutbox>();
  for (const [letterId, marker] of markerOf) {
    const outbox = stored.get(marker);
    if (outbox && outbox.messages > 0) outboxes.set(letterId, { marker, ...outbox });
  }
  return outboxes;
}
