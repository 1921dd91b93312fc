import type { Context } from 'aws-lambda';
import { PermanentError, PipelineError, TransientError, UnhandledMessageError } from '../common/errors.js';
import { payloadHash } from '../common/ids.js';
import type { ValidMessage } from '../contracts/registry.js';
import {
  decodeEntry,
  isMalformed,
  type MskEventPartitions,
  type RecordLocation,
  readMskEvent,
} from '../kafka/codec.js';
import { deadLetterRecord } from '../kafka/dead-letter.js';
import type { OutgoingRecord } from '../kafka/producer.js';
import type { DecodedRecord, MskEvent } from '../kafka/types.js';
import {
  type ProcessingSpan,
  parseTraceparent,
  processingSpan,
  TRACEPARENT_HEADER,
} from '../tracing/trace-context.js';
import { classify, ERROR_KINDS } from './classify.js';
import { KeyedLanes } from './keyed-lanes.js';
import { assertPublishable, toOutgoingRecords } from './outbox.js';
import { DEFAULT_RETRY, invocationDeadline, type RetryOptions, retryTransient } from './retry.js';
import { containerContext, type ServiceContext } from './service-context.js';
import {
  type BatchReport,
  type BusinessMetric,
  type Decision,
  type HandlerContext,
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

/** A record's processing span, derived on first use and kept for every attempt and for the span writer. */
type SpanOf = () => ProcessingSpan;

/** A record for the lanes: what to process and where its outcome goes (one object per record). */
interface Work<TMessage> extends WorkItem<TMessage> {
  state: RecordState;
}

interface RecordState {
  /** the decoded record, or where a record that could not be decoded sat */
  record: DecodedRecord | (RecordLocation & { keyBytes?: undefined; raw: unknown });
  message?: Pick<ValidMessage, 'id' | 'correlationId' | 'type'>;
  durationMs?: number;
  /** when its processing started (epoch ms) */
  startedAt?: number;
  /** the record's incoming `traceparent`, as its spans are derived from it */
  traceparent?: string | undefined;
  /** its processing span, when one was derived (it published, or its handler asked) */
  span?: ProcessingSpan | undefined;
  metrics?: readonly BusinessMetric[] | undefined;
  outcome: RecordOutcome;
  /** records to publish once the batch is done (outbox messages or a dead letter) */
  outgoing: OutgoingRecord[];
  /** a duplicate republishing its stored outbox: its marker is told once the broker confirmed */
  republishes?: string;
  error?: Error;
}

/** The time an invocation gives its batch. */
interface InvocationTime {
  /** kept back for publishing and answering */
  margin: number;
  /** what is left for records, now */
  budgetMs: () => number;
  /** rejects when records must stop */
  work: Promise<never>;
  /** rejects when the publish must stop */
  publishing: Promise<never>;
}

/** One invocation's batch, as its phases share it. */
interface BatchRun {
  event: MskEvent;
  lambda: Context;
  batchSize: number;
  time: InvocationTime;
  /** every record's state, in the order admitted: what the report is made of */
  states: RecordState[];
  /** idempotency keys of redelivered records committed before (claim mode decides per record) */
  known: Set<string>;
  retry: RetryOptions;
  /** transient errors retried in place */
  retries: number;
  /** the publisher was asked to connect */
  connecting: boolean;
}

const DEFAULT_CONCURRENCY = 16;
const MAX_SAFETY_MARGIN_MS = 5_000;
/** the publish may use the safety margin but this much: the answer must still reach Lambda */
const PUBLISH_MARGIN_MS = 1_000;
/** records decoded between two chances for the lanes to run (a record decodes in ~10 µs) */
const DECODE_CHUNK = 32;
/** records of a redelivered partition looked up together (BatchGetItem reads up to 100 items) */
const LOOKUP_CHUNK = 100;

/** A synchronous handler's decision is used as it is: awaiting it would cost a tick per record. */
function isPending(decided: Decision | PromiseLike<Decision>): decided is PromiseLike<Decision> {
  return 'then' in decided && typeof decided.then === 'function';
}

const yieldToLanes = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Records of one partition and key run in offset order; a record without a key is a group of its own. */
function keyGroup(record: DecodedRecord): string {
  return record.key === undefined
    ? `${record.partitionKey}@${record.offset}`
    : `${record.partitionKey}\u0000${record.key}`;
}

function offsetOf(entry: unknown): number | undefined {
  const offset: unknown =
    entry !== null && typeof entry === 'object' ? Reflect.get(entry, 'offset') : undefined;
  return typeof offset === 'number' && Number.isSafeInteger(offset) ? offset : undefined;
}

/**
 * A partition's entries in offset order (Lambda sends them so; the processor does not rely on it),
 * its first offset, and the offset a plain next batch would start at.
 */
function offsetOrder(entries: readonly unknown[]): {
  order: number[];
  first: number | undefined;
  next: number | undefined;
} {
  const offsets = entries.map(offsetOf);
  const order = offsets.map((_, index) => index);
  let ascending = true;
  let first: number | undefined;
  let last: number | undefined;
  for (const offset of offsets) {
    if (offset === undefined) continue;
    if (last !== undefined && offset < last) ascending = false;
    if (first === undefined || offset < first) first = offset;
    if (last === undefined || offset > last) last = offset;
  }
  if (!ascending) order.sort((a, b) => (offsets[a] ?? -1) - (offsets[b] ?? -1));
  return { order, first, next: last === undefined ? undefined : last + 1 };
}

/**
 * The idempotency marker of a message: the consumer's name, then the message's key (its envelope id
 * unless the consumer says otherwise). The prefix is also what fences a role to its own markers
 * (`dynamodb:LeadingKeys`, the roles @msk-patterns/serverless-plugin generates).
 *
 * @param options - the consumer's name and idempotency key
 * @param message - the valid message
 * @param record - its record
 * @example
 * ```ts
 * markerKey({ name: 'payments' }, message, record); // 'payments:<message id>'
 * ```
 */
export function markerKey<TMessage>(
  options: Pick<ProcessorOptions<TMessage>, 'name' | 'idempotencyKey'>,
  message: TMessage & Pick<ValidMessage, 'id'>,
  record: DecodedRecord,
): string {
  return `${options.name}#${options.idempotencyKey?.(message, record) ?? message.id}`;
}

/**
 * The topics a consumer reads: `topics`, else those of `accepts`.
 *
 * @param options - the consumer's `topics` and `accepts`
 * @throws PipelineError when it gives neither
 * @example
 * ```ts
 * consumedTopics({ name: 'payments', accepts: PAYMENT_COMMANDS }); // ['payments.commands']
 * ```
 */
export function consumedTopics(
  options: Pick<ProcessorOptions<never>, 'name' | 'topics' | 'accepts'>,
): readonly string[] {
  const topics = options.topics ?? options.accepts?.map((contract) => contract.topic);
  if (!topics) throw new PipelineError(`${options.name}: give its topics or the contracts it accepts`);
  return [...new Set(topics)];
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * Processes MSK batches the way docs/architecture.md, "Processing one batch" describes. One instance per
 * container: it remembers, per partition, the offset it expects next, to tell a plain next batch
 * from a possible redelivery.
 * @example
 * ```ts
 * const processor = new BatchProcessor(paymentsOptions, { store, publisher, registry: contracts });
 * const report = await processor.process(event, lambdaContext);
 * report.response; // { batchItemFailures: [...] }: the partial batch response
 * ```
 */
export class BatchProcessor<TMessage extends ValidMessage = ValidMessage> {
  readonly #options: ProcessorOptions<TMessage>;
  readonly #deps: ProcessorDependencies;
  readonly #service: ServiceContext;
  readonly #topics: readonly string[];
  readonly #nextOffset = new Map<string, number>();

  /**
   * @param options - what the consumer reads, accepts and does
   * @param dependencies - its store, publisher and registry
   * @throws PipelineError when the options give neither `topics` nor `accepts`
   */
  constructor(options: ProcessorOptions<TMessage>, dependencies: ProcessorDependencies) {
    this.#options = options;
    this.#deps = dependencies;
    this.#service = dependencies.service ?? containerContext();
    this.#topics = consumedTopics(options);
  }

  /**
   * Whether the handler handles this message's contract. Without `accepts`, every contract of the
   * registry is handed over, and the handler takes {@link ValidMessage} (the option's contract).
   */
  #handles(message: ValidMessage): message is TMessage {
    return this.#options.accepts?.includes(message.contract) ?? true;
  }

  /**
   * Process one MSK batch within the invocation's time.
   *
   * @param event - the event as Lambda delivered it (validated here: anything else is a `MalformedEventError`)
   * @param lambda - the invocation's context: its remaining time bounds every call
   * @returns the partial batch response, each record's outcome, the retries and what was published
   */
  async process(event: unknown, lambda: Context): Promise<BatchReport> {
    const started = lambda.getRemainingTimeInMillis();
    const margin = this.#options.safetyMarginMs ?? Math.min(MAX_SAFETY_MARGIN_MS, Math.floor(started * 0.2));
    const budgetMs = () => lambda.getRemainingTimeInMillis() - margin;
    // Every network call of the batch is bounded by the invocation's time: records still running at
    // the deadline fail and are redelivered (a partial batch response), instead of the function timing
    // out and the whole batch coming again.
    const work = invocationDeadline(budgetMs(), 'the record');
    const publishing = invocationDeadline(
      started - Math.min(margin, PUBLISH_MARGIN_MS),
      "the batch's publish",
    );
    try {
      return await this.#processWithin(event, lambda, {
        margin,
        budgetMs,
        work: work.deadline,
        publishing: publishing.deadline,
      });
    } finally {
      work.clear();
      publishing.clear();
    }
  }

  /**
   * One batch in four phases: **admit** each record (decode, validate, or dead-letter it at once),
   * **schedule** the admitted ones on their key's lane (after their markers are looked up when the
   * partition may be a redelivery), **handle** each in its lane (idempotency, handler, commit, retries),
   * then **publish** what the batch produced and **report** the outcome. The phases share a
   * {@link BatchRun}.
   */
  async #processWithin(event: unknown, lambda: Context, time: InvocationTime): Promise<BatchReport> {
    const { event: mskEvent, partitions } = readMskEvent(event);
    const run: BatchRun = {
      event: mskEvent,
      lambda,
      batchSize: partitions.reduce((sum, [, entries]) => sum + entries.length, 0),
      time,
      states: [],
      known: new Set(),
      retries: 0,
      connecting: false,
      retry: this.#retryOptions(time, () => {
        run.retries++;
      }),
    };
    const lanes = new KeyedLanes<Work<TMessage>>(this.#options.concurrency ?? DEFAULT_CONCURRENCY, (work) =>
      this.#handle(run, work),
    );
    await this.#schedule(run, partitions, lanes);
    await lanes.close();
    const published = await this.#publish(run);
    return { ...this.#report(run.states), retries: run.retries, published };
  }

  #retryOptions(time: InvocationTime, onRetry: () => void): RetryOptions {
    return {
      maxAttempts: this.#options.retry?.maxAttempts ?? DEFAULT_RETRY.maxAttempts,
      baseDelayMs: this.#options.retry?.baseDelayMs ?? DEFAULT_RETRY.baseDelayMs,
      maxDelayMs: this.#options.retry?.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs,
      budgetMs: time.budgetMs,
      sleep: this.#deps.sleep,
      random: this.#deps.random,
      onRetry,
      deadline: time.work,
    };
  }

  /**
   * The batch publishes at its end; a container's first connect (in MSK: the brokers asked of the
   * API, TLS, the IAM token, kafkajs loaded) starts with the first record that will publish, so that
   * it overlaps the rest of the batch. Its failure is left to the publish to report and retry.
   */
  #connectEarly(run: BatchRun): void {
    if (run.connecting) return;
    run.connecting = true;
    this.#deps.publisher.connect?.().catch(() => undefined);
  }

  /** The record goes to its dead-letter topic with this reason, in Lambda's on-failure format. */
  #deadLetter(run: BatchRun, state: RecordState, error: Error): void {
    const { record } = state;
    state.outcome = RECORD_OUTCOMES.deadLettered;
    state.error = error;
    this.#connectEarly(run);
    state.outgoing = [
      deadLetterRecord({
        event: run.event,
        context: run.lambda,
        partitionKey: record.partitionKey,
        topic: record.topic,
        partition: record.partition,
        offset: record.offset,
        timestamp: record.timestamp,
        key: record.keyBytes ?? null,
        raw: record.raw,
        batchSize: run.batchSize,
        error,
      }),
    ];
  }

  /**
   * Admit and schedule, partition by partition in offset order: each record is handed to the lanes as
   * soon as it is valid, so the first keys run while the rest of the batch is still decoded.
   */
  async #schedule(
    run: BatchRun,
    partitions: MskEventPartitions['partitions'],
    lanes: KeyedLanes<Work<TMessage>>,
  ): Promise<void> {
    const lookups: Promise<boolean>[] = [];
    let decodedSinceYield = 0;
    for (const [partitionKey, entries] of partitions) {
      const { order, first, next } = offsetOrder(entries);
      // Spare the handler for redelivered records: read their markers first, but only for partitions
      // whose batch does not start where this container's last batch ended (docs/aws-behaviours.md,
      // "Batching, ordering and offsets": duplicates come from retries, resumes, bisection and
      // rebalances — all of which restart at an older offset).
      const redelivered =
        this.#options.mode !== IDEMPOTENCY_MODES.claim &&
        first !== undefined &&
        this.#nextOffset.get(partitionKey) !== first;
      if (next !== undefined) this.#nextOffset.set(partitionKey, next);
      // A redelivered partition's records wait for the lookup of their chunk, chunks in offset order.
      let held: Array<Work<TMessage>> = [];
      let released: Promise<boolean> = Promise.resolve(true);
      const release = () => {
        released = this.#releaseAfterLookup(run, held, released, lanes);
        lookups.push(released);
        held = [];
      };
      for (const index of order) {
        const work = this.#admit(run, entries[index], partitionKey, index);
        if (work && !redelivered) lanes.push(keyGroup(work.record), work);
        if (work && redelivered && held.push(work) === LOOKUP_CHUNK) release();
        if (++decodedSinceYield === DECODE_CHUNK) {
          decodedSinceYield = 0;
          await yieldToLanes();
        }
      }
      if (held.length > 0) release();
    }
    await Promise.all(lookups);
  }

  /**
   * Handle one record in its lane: idempotency, the handler, the commit, transient errors retried in
   * place. Resolves false when the record failed: the later records of its key must wait for it (they
   * stay "skipped" and are redelivered).
   */
  async #handle(run: BatchRun, work: Work<TMessage>): Promise<boolean> {
    const { state } = work;
    const recordStarted = performance.now();
    state.startedAt = Date.now();
    state.message = work.message;
    state.traceparent = work.record.headers[TRACEPARENT_HEADER];
    const spanOf: SpanOf = () => {
      state.span ??= processingSpan(parseTraceparent(state.traceparent), this.#options.name, work.message.id);
      return state.span;
    };
    try {
      const result = await retryTransient(
        (attempt) => this.#processOne(work, run, attempt, spanOf),
        run.retry,
      );
      state.outcome = result.outcome;
      state.outgoing = result.outgoing;
      state.metrics = result.metrics;
      if (result.outgoing.length > 0) this.#connectEarly(run);
      if (result.outcome === RECORD_OUTCOMES.duplicate && result.outgoing.length > 0)
        state.republishes = work.idempotencyKey;
      state.durationMs = performance.now() - recordStarted;
      return true;
    } catch (error) {
      const failure = asError(error);
      if (classify(failure) === ERROR_KINDS.permanent) {
        this.#deadLetter(run, state, failure);
        return true;
      }
      state.outcome = RECORD_OUTCOMES.failed;
      state.error = failure;
      return false;
    }
  }

  /**
   * Publish everything the batch produced, after the commits, in one request — but a dead letter an
   * earlier delivery of the batch already wrote (a redelivery after a failure of another record) is
   * not written twice. Only batches with dead letters ask. Returns how many records went out.
   */
  async #publish(run: BatchRun): Promise<number> {
    const { states, time, lambda } = run;
    const letters = await this.#unwrittenLetters(states, time.publishing);
    const outgoing = states.flatMap((state) => state.outgoing);
    if (outgoing.length === 0) return 0;
    try {
      await retryTransient(() => this.#deps.publisher.publish(outgoing), {
        ...DEFAULT_RETRY,
        budgetMs: () => lambda.getRemainingTimeInMillis() - Math.min(time.margin, PUBLISH_MARGIN_MS),
        sleep: this.#deps.sleep,
        random: this.#deps.random,
        deadline: time.publishing,
      });
    } catch (error) {
      // Committed records republish from their markers when the mapping redelivers them.
      for (const state of states) {
        if (state.outgoing.length > 0) {
          state.outcome = RECORD_OUTCOMES.failed;
          state.error = asError(error);
        }
      }
      return 0;
    }
    const republished = states.flatMap((state) => (state.republishes ? [state.republishes] : []));
    // Best effort, like the records they speak of: a marker missed costs one more copy later.
    const told = [
      ...(republished.length > 0 ? [this.#deps.store.markRepublished(republished)] : []),
      ...(letters.length > 0 ? [this.#deps.store.markLettersWritten(letters)] : []),
    ];
    if (told.length > 0) await Promise.race([Promise.all(told), time.publishing]).catch(() => undefined);
    return outgoing.length;
  }

  /** Where a record's dead letter is remembered once written: its place, under the consumer's prefix. */
  #letterKey(record: RecordState['record']): string | undefined {
    return record.offset === undefined
      ? undefined
      : `${this.#options.name}#dead-letter#${record.partitionKey}@${record.offset}`;
  }

  /**
   * Drop the dead letters an earlier delivery of these records already wrote (one BatchGetItem, only
   * when the batch has letters; they then count as duplicates) and return the keys of those to write.
   * When the store cannot say in time, every letter is written: a second copy rather than none.
   */
  async #unwrittenLetters(states: RecordState[], deadline: Promise<never>): Promise<string[]> {
    const lettered = new Map<string, RecordState>();
    for (const state of states) {
      const key = state.outcome === RECORD_OUTCOMES.deadLettered ? this.#letterKey(state.record) : undefined;
      if (key) lettered.set(key, state);
    }
    if (lettered.size === 0) return [];
    const written = await Promise.race([
      this.#deps.store.lettersWritten([...lettered.keys()]),
      deadline,
    ]).catch(() => new Set<string>());
    for (const key of written) {
      const state = lettered.get(key);
      if (!state) continue;
      state.outgoing = [];
      state.outcome = RECORD_OUTCOMES.duplicate;
      lettered.delete(key);
    }
    return [...lettered.keys()];
  }

  /** Decode and validate one entry: the work for a lane, or nothing (dead-lettered or ignored). */
  #admit(run: BatchRun, raw: unknown, partitionKey: string, index: number): Work<TMessage> | undefined {
    const { states } = run;
    const record = decodeEntry(raw, partitionKey, index);
    if (isMalformed(record)) {
      const { error, location } = record;
      const state: RecordState = {
        record: { ...location, raw },
        outcome: RECORD_OUTCOMES.failed,
        outgoing: [],
      };
      states.push(state);
      this.#deadLetter(run, state, error);
      return undefined;
    }
    const state: RecordState = { record, outcome: RECORD_OUTCOMES.skipped, outgoing: [] };
    states.push(state);
    try {
      if (!this.#topics.includes(record.topic)) {
        throw new PermanentError(`topic ${record.topic} is not read by ${this.#options.name}`);
      }
      const message = this.#deps.registry.validate(record.topic, record.value);
      if (!this.#handles(message)) {
        const reason = `${message.type} v${message.version} on ${record.topic} is not handled by ${this.#options.name}`;
        if (this.#options.onUnknown === UNKNOWN_MESSAGE_POLICIES.ignore) {
          state.message = message;
          state.outcome = RECORD_OUTCOMES.ignored;
          return undefined;
        }
        throw new UnhandledMessageError(reason, record.topic, message.type);
      }
      return { record, message, idempotencyKey: markerKey(this.#options, message, record), state };
    } catch (error) {
      this.#deadLetter(run, state, asError(error));
      return undefined;
    }
  }

  /**
   * A chunk of a redelivered partition goes to the lanes once the store said which of its records were
   * committed before, and after the partition's earlier chunks. When the store cannot say, the chunk
   * and every later one of the partition fail as they are (the mapping redelivers them); other
   * partitions go on. Resolves whether the chunk was released.
   */
  async #releaseAfterLookup(
    run: BatchRun,
    chunk: ReadonlyArray<Work<TMessage>>,
    earlier: Promise<boolean>,
    lanes: KeyedLanes<Work<TMessage>>,
  ): Promise<boolean> {
    const lookup = retryTransient(
      () => this.#deps.store.existing(chunk.map((work) => work.idempotencyKey)),
      run.retry,
    );
    let committed: Set<string>;
    try {
      committed = await lookup;
    } catch (error) {
      await earlier;
      for (const { state } of chunk) {
        state.outcome = RECORD_OUTCOMES.failed;
        state.error = asError(error);
      }
      return false;
    }
    if (!(await earlier)) {
      for (const { state } of chunk) {
        state.outcome = RECORD_OUTCOMES.failed;
        state.error = new TransientError('an earlier chunk of its partition could not be looked up');
      }
      return false;
    }
    for (const key of committed) run.known.add(key);
    for (const work of chunk) lanes.push(keyGroup(work.record), work);
    return true;
  }

  async #processOne(
    item: WorkItem<TMessage>,
    run: BatchRun,
    attempt: number,
    spanOf: SpanOf,
  ): Promise<{
    outcome: RecordOutcome;
    outgoing: OutgoingRecord[];
    metrics?: readonly BusinessMetric[] | undefined;
  }> {
    const { store } = this.#deps;
    const { lambda, known } = run;
    const hash = payloadHash(item.record.value);
    const handlerContext: HandlerContext = {
      record: item.record,
      lambda,
      idempotencyKey: item.idempotencyKey,
      attempt,
      service: this.#service,
      span: spanOf,
    };
    if (this.#options.mode === IDEMPOTENCY_MODES.claim) {
      const claim = await store.claim(item.idempotencyKey, hash, lambda.getRemainingTimeInMillis());
      if (claim.status === 'duplicate') return this.#republish(item.idempotencyKey, claim.outbox);
      try {
        const handled = this.#options.handle(item.message, handlerContext);
        const decision = isPending(handled) ? await handled : handled;
        const outbox = this.#outgoing(item, decision, spanOf);
        assertPublishable(this.#deps.registry, outbox, this.#options.publishes);
        await store.complete(item.idempotencyKey, claim.token, decision.writes ?? [], outbox);
        decision.committed?.();
        return { outcome: RECORD_OUTCOMES.processed, outgoing: outbox, metrics: decision.metrics };
      } catch (error) {
        await store.release(item.idempotencyKey, claim.token).catch(() => {});
        throw error;
      }
    }
    if (known.has(item.idempotencyKey)) {
      // Committed before: hand back the stored outbox. No marker after all (expired meanwhile): decide.
      const stored = await store.find(item.idempotencyKey, hash);
      if (stored?.status === 'duplicate') return this.#republish(item.idempotencyKey, stored.outbox);
      known.delete(item.idempotencyKey);
    }
    const handled = this.#options.handle(item.message, handlerContext);
    const decision = isPending(handled) ? await handled : handled;
    const outbox = this.#outgoing(item, decision, spanOf);
    assertPublishable(this.#deps.registry, outbox, this.#options.publishes);
    const result = await store.commit(item.idempotencyKey, hash, decision.writes ?? [], outbox);
    // A second copy of this message later in the batch (a producer retry) now skips the handler.
    known.add(item.idempotencyKey);
    if (result.status === 'duplicate') return this.#republish(item.idempotencyKey, result.outbox);
    decision.committed?.();
    return { outcome: RECORD_OUTCOMES.processed, outgoing: outbox, metrics: decision.metrics };
  }

  /**
   * A decision's messages as records, each carrying the trace context of the span that processed the
   * message — computed only when there is something to send (a record that publishes nothing pays
   * nothing for tracing).
   */
  #outgoing(item: WorkItem<TMessage>, decision: Decision, span: SpanOf): OutgoingRecord[] {
    const messages = decision.messages ?? [];
    if (messages.length === 0) return [];
    return toOutgoingRecords(item.message, messages, undefined, span());
  }

  /**
   * A duplicate's stored outbox, checked as a fresh decision is before it is published: a marker is
   * data that something other than this function could have written (a role's mistake, an operator's
   * edit), and what it holds goes out under this function's name.
   */
  #republish(key: string, outbox: OutgoingRecord[]): { outcome: RecordOutcome; outgoing: OutgoingRecord[] } {
    try {
      assertPublishable(this.#deps.registry, outbox, this.#options.publishes);
    } catch (error) {
      throw new PermanentError(`the stored outbox of ${key} is refused: ${asError(error).message}`, {
        cause: error,
      });
    }
    return { outcome: RECORD_OUTCOMES.duplicate, outgoing: outbox };
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
    const records = states.map(
      ({ record, message, outcome, error, durationMs, metrics, traceparent, span, startedAt }) => ({
        partition: record.partitionKey,
        offset: record.offset,
        outcome,
        messageId: message?.id,
        correlationId: message?.correlationId,
        error,
        durationMs,
        metrics,
        traceparent,
        span,
        startedAt,
        topic: record.topic,
        key: 'key' in record ? record.key : undefined,
        messageType: message?.type,
      }),
    );
    return { response: { batchItemFailures: failures }, outcomes, records };
  }
}
