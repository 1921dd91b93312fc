import type { Context } from 'aws-lambda';
import { PermanentError, UnhandledMessageError } from '../common/errors.js';
import { payloadHash } from '../common/ids.js';
import type { ValidMessage } from '../contracts/registry.js';
import { decodeMskEvent, type RecordLocation } from '../kafka/codec.js';
import { deadLetterRecord } from '../kafka/dead-letter.js';
import type { OutgoingRecord } from '../kafka/producer.js';
import type { DecodedRecord } from '../kafka/types.js';
import { classify, ERROR_KINDS } from './classify.js';
import { drainQueues } from './concurrency.js';
import { assertPublishable, toOutgoingRecords } from './outbox.js';
import { DEFAULT_RETRY, retryTransient } from './retry.js';
import {
  type BatchReport,
  IDEMPOTENCY_MODES,
  type ProcessorDependencies,
  type ProcessorOptions,
  RECORD_OUTCOMES,
  type RecordOutcome,
  UNKNOWN_MESSAGE_POLICIES,
} from './types.js';

interface WorkItem<TMessage> {
  record: DecodedRecord;
  message: TMessage;
  idempotencyKey: string;
}

interface RecordState {
  /** the decoded record, or where a record that could not be decoded sat */
  record: DecodedRecord | (RecordLocation & { keyBytes?: undefined; raw: unknown });
  message?: Pick<ValidMessage, 'id' | 'correlationId'>;
  durationMs?: number;
  outcome: RecordOutcome;
  /** records to publish once the batch is done (outbox messages or a dead letter) */
  outgoing: OutgoingRecord[];
  /** a duplicate republishing its stored outbox: its marker is told once the broker confirmed */
  republishes?: string;
  error?: Error;
}

const DEFAULT_CONCURRENCY = 16;
const MAX_SAFETY_MARGIN_MS = 5_000;

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * Processes MSK batches the way docs/architecture.md, "Processing one batch" describes. One instance per
 * container: it remembers, per partition, the offset it expects next, to tell a plain next batch
 * from a possible redelivery.
 */
export class BatchProcessor<TMessage extends ValidMessage = ValidMessage> {
  readonly #options: ProcessorOptions<TMessage>;
  readonly #deps: ProcessorDependencies;
  readonly #nextOffset = new Map<string, number>();

  constructor(options: ProcessorOptions<TMessage>, dependencies: ProcessorDependencies) {
    this.#options = options;
    this.#deps = dependencies;
  }

  /**
   * Whether the handler handles this message's contract. Without `accepts`, every contract of the
   * registry is handed over, and the handler takes {@link ValidMessage} (the option's contract).
   */
  #handles(message: ValidMessage): message is TMessage {
    return this.#options.accepts?.includes(message.contract) ?? true;
  }

  async process(event: unknown, lambda: Context): Promise<BatchReport> {
    const started = lambda.getRemainingTimeInMillis();
    const margin = this.#options.safetyMarginMs ?? Math.min(MAX_SAFETY_MARGIN_MS, Math.floor(started * 0.2));
    const budgetMs = () => lambda.getRemainingTimeInMillis() - margin;
    const decoded = decodeMskEvent(event);
    const batchSize = decoded.records.length + decoded.malformed.length;
    const states: RecordState[] = [];
    let retries = 0;

    const deadLetter = (state: RecordState, error: Error) => {
      const { record } = state;
      state.outcome = RECORD_OUTCOMES.deadLettered;
      state.error = error;
      state.outgoing = [
        deadLetterRecord({
          event: decoded.event,
          context: lambda,
          partitionKey: record.partitionKey,
          topic: record.topic,
          partition: record.partition,
          offset: record.offset,
          timestamp: record.timestamp,
          key: record.keyBytes ?? null,
          raw: record.raw,
          batchSize,
          error,
        }),
      ];
    };

    // 1-2. Decode and validate. Anything that cannot be a valid message is permanent: dead-letter it now.
    for (const { error, raw, location } of decoded.malformed) {
      const state: RecordState = {
        record: { ...location, raw },
        outcome: RECORD_OUTCOMES.failed,
        outgoing: [],
      };
      states.push(state);
      deadLetter(state, error);
    }
    const work: Array<{ item: WorkItem<TMessage>; state: RecordState }> = [];
    for (const record of decoded.records) {
      const state: RecordState = { record, outcome: RECORD_OUTCOMES.skipped, outgoing: [] };
      states.push(state);
      try {
        if (!this.#options.topics.includes(record.topic)) {
          throw new PermanentError(`topic ${record.topic} is not read by ${this.#options.name}`);
        }
        const message = this.#deps.registry.validate(record.topic, record.value);
        if (!this.#handles(message)) {
          const reason = `${message.type} v${message.version} on ${record.topic} is not handled by ${this.#options.name}`;
          if (this.#options.onUnknown === UNKNOWN_MESSAGE_POLICIES.ignore) {
            state.message = message;
            state.outcome = RECORD_OUTCOMES.ignored;
            continue;
          }
          throw new UnhandledMessageError(reason, record.topic, message.type);
        }
        const key = this.#options.idempotencyKey?.(message, record) ?? message.id;
        work.push({ item: { record, message, idempotencyKey: `${this.#options.name}#${key}` }, state });
      } catch (error) {
        deadLetter(state, asError(error));
      }
    }

    // Spare the handler for redelivered records: read their markers first, but only for partitions
    // whose batch does not start where this container's last batch ended (docs/aws-behaviours.md, "Batching, ordering and offsets": duplicates
    // come from retries, resumes, bisection and rebalances — all of which restart at an older offset).
    const items = work.map(({ item }) => item);
    const redelivered = this.#partitionsNotContinuing(items);
    this.#rememberNextOffsets(items);
    const known = await this.#committedKeys(
      items.filter(({ record }) => redelivered.has(record.partitionKey)),
    );

    // 3. Key groups: records of one partition and key in offset order; a null key is a group of its own.
    const groups = new Map<string, Array<{ item: WorkItem<TMessage>; state: RecordState }>>();
    for (const entry of work) {
      const { record } = entry.item;
      const groupKey =
        record.key === undefined
          ? `${record.partitionKey}@${record.offset}`
          : `${record.partitionKey}\u0000${record.key}`;
      const group = groups.get(groupKey);
      if (group) group.push(entry);
      else groups.set(groupKey, [entry]);
    }
    for (const group of groups.values()) group.sort((a, b) => a.item.record.offset - b.item.record.offset);

    const retryOptions = {
      maxAttempts: this.#options.retry?.maxAttempts ?? DEFAULT_RETRY.maxAttempts,
      baseDelayMs: this.#options.retry?.baseDelayMs ?? DEFAULT_RETRY.baseDelayMs,
      maxDelayMs: this.#options.retry?.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs,
      budgetMs,
      classifiers: this.#options.classifiers,
      sleep: this.#deps.sleep,
      random: this.#deps.random,
      onRetry: () => {
        retries++;
      },
    };
    // 4. One record of a key at a time; returning false stops the key group at a failed record.
    await drainQueues(
      [...groups.values()],
      this.#options.concurrency ?? DEFAULT_CONCURRENCY,
      async ({ item, state }) => {
        const recordStarted = performance.now();
        state.message = item.message;
        try {
          const result = await retryTransient(() => this.#processOne(item, lambda, known), retryOptions);
          state.outcome = result.outcome;
          state.outgoing = result.outgoing;
          if (result.outcome === RECORD_OUTCOMES.duplicate && result.outgoing.length > 0)
            state.republishes = item.idempotencyKey;
          state.durationMs = performance.now() - recordStarted;
          return true;
        } catch (error) {
          const failure = asError(error);
          if (classify(failure, this.#options.classifiers) === ERROR_KINDS.permanent) {
            deadLetter(state, failure);
            return true;
          }
          // Later records of the key must wait for this one: they stay "skipped" and are redelivered.
          state.outcome = RECORD_OUTCOMES.failed;
          state.error = failure;
          return false;
        }
      },
    );

    // 5. Publish everything this batch produced, after the commits, in one request.
    const outgoing = states.flatMap((state) => state.outgoing);
    let published = 0;
    if (outgoing.length > 0) {
      try {
        await retryTransient(() => this.#deps.publisher.publish(outgoing), {
          ...DEFAULT_RETRY,
          budgetMs: () => lambda.getRemainingTimeInMillis() - Math.min(margin, 1_000),
          sleep: this.#deps.sleep,
          random: this.#deps.random,
        });
        published = outgoing.length;
        const republished = states.flatMap((state) => (state.republishes ? [state.republishes] : []));
        if (republished.length > 0) await this.#deps.store.markRepublished(republished);
      } catch (error) {
        // Committed records republish from their markers when the mapping redelivers them.
        for (const state of states) {
          if (state.outgoing.length > 0) {
            state.outcome = RECORD_OUTCOMES.failed;
            state.error = asError(error);
          }
        }
      }
    }

    return { ...this.#report(states), retries, published };
  }

  /** Partitions whose records here do not start where this container's last batch of them ended. */
  #partitionsNotContinuing(items: readonly WorkItem<TMessage>[]): Set<string> {
    const firstOffset = new Map<string, number>();
    for (const { record } of items) {
      if (record.offset < (firstOffset.get(record.partitionKey) ?? Number.POSITIVE_INFINITY)) {
        firstOffset.set(record.partitionKey, record.offset);
      }
    }
    return new Set(
      [...firstOffset]
        .filter(([partitionKey, first]) => this.#nextOffset.get(partitionKey) !== first)
        .map(([key]) => key),
    );
  }

  /** Remember, per partition, the offset a plain next batch would start at. */
  #rememberNextOffsets(items: readonly WorkItem<TMessage>[]): void {
    for (const { record } of items) {
      if (record.offset + 1 > (this.#nextOffset.get(record.partitionKey) ?? -1)) {
        this.#nextOffset.set(record.partitionKey, record.offset + 1);
      }
    }
  }

  /** The idempotency keys among these that were committed before (claim mode decides per record instead). */
  async #committedKeys(items: readonly WorkItem<TMessage>[]): Promise<Set<string>> {
    if (items.length === 0 || this.#options.mode === IDEMPOTENCY_MODES.claim) return new Set();
    return this.#deps.store.existing(items.map((item) => item.idempotencyKey));
  }

  async #processOne(
    item: WorkItem<TMessage>,
    lambda: Context,
    known: Set<string>,
  ): Promise<{ outcome: RecordOutcome; outgoing: OutgoingRecord[] }> {
    const { store } = this.#deps;
    const hash = payloadHash(item.record.value);
    const handlerContext = { record: item.record, lambda, idempotencyKey: item.idempotencyKey };
    if (this.#options.mode === IDEMPOTENCY_MODES.claim) {
      const claim = await store.claim(item.idempotencyKey, hash, lambda.getRemainingTimeInMillis());
      if (claim.status === 'duplicate') return { outcome: RECORD_OUTCOMES.duplicate, outgoing: claim.outbox };
      try {
        const decision = await this.#options.handle(item.message, handlerContext);
        const outbox = toOutgoingRecords(item.message, decision.messages ?? []);
        assertPublishable(this.#deps.registry, outbox);
        await store.complete(item.idempotencyKey, claim.token, decision.writes ?? [], outbox);
        return { outcome: RECORD_OUTCOMES.processed, outgoing: outbox };
      } catch (error) {
        await store.release(item.idempotencyKey, claim.token).catch(() => {});
        throw error;
      }
    }
    if (known.has(item.idempotencyKey)) {
      // Committed before: hand back the stored outbox. No marker after all (expired meanwhile): decide.
      const stored = await store.find(item.idempotencyKey, hash);
      if (stored?.status === 'duplicate')
        return { outcome: RECORD_OUTCOMES.duplicate, outgoing: stored.outbox };
      known.delete(item.idempotencyKey);
    }
    const decision = await this.#options.handle(item.message, handlerContext);
    const outbox = toOutgoingRecords(item.message, decision.messages ?? []);
    assertPublishable(this.#deps.registry, outbox);
    const result = await store.commit(item.idempotencyKey, hash, decision.writes ?? [], outbox);
    // A second copy of this message later in the batch (a producer retry) now skips the handler.
    known.add(item.idempotencyKey);
    if (result.status === 'duplicate') return { outcome: RECORD_OUTCOMES.duplicate, outgoing: result.outbox };
    return { outcome: RECORD_OUTCOMES.processed, outgoing: outbox };
  }

  #report(states: readonly RecordState[]): Omit<BatchReport, 'retries' | 'published'> {
    const outcomes = Object.fromEntries(
      Object.values(RECORD_OUTCOMES).map((outcome) => [outcome, 0]),
    ) as Record<RecordOutcome, number>;
    const failures: BatchReport['response']['batchItemFailures'] = [];
    for (const state of states) {
      outcomes[state.outcome]++;
      if (state.outcome === RECORD_OUTCOMES.failed || state.outcome === RECORD_OUTCOMES.skipped) {
        const { partitionKey, offset } = state.record;
        // Only decoded records (which have an offset) fail or wait; one that could not be decoded was
        // dead-lettered. Should that ever break, failing the whole batch is the safe answer.
        if (offset === undefined)
          throw new Error(`${partitionKey}: a record without an offset cannot be retried alone`);
        failures.push({ itemIdentifier: { partition: partitionKey, offset } });
      }
    }
    failures.sort(
      (a, b) =>
        a.itemIdentifier.partition.localeCompare(b.itemIdentifier.partition) ||
        a.itemIdentifier.offset - b.itemIdentifier.offset,
    );
    const records = states.map(({ record, message, outcome, error, durationMs }) => ({
      partition: record.partitionKey,
      offset: record.offset,
      outcome,
      messageId: message?.id,
      correlationId: message?.correlationId,
      error,
      durationMs,
    }));
    return { response: { batchItemFailures: failures }, outcomes, records };
  }
}
