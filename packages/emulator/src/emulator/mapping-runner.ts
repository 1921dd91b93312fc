import { destinationValue, encodeMskEvent, encodeMskRecord, type MskEvent } from '@msk-patterns/pipeline';
import type { Context } from 'aws-lambda';
import {
  type Consumer,
  type EachBatchPayload,
  Kafka,
  type KafkaMessage,
  logLevel,
  type Producer,
} from 'kafkajs';
import { lambdaContext } from '../runner/lambda-context.js';
import { type InvocationResult, readBatchResponse, recordId } from './batch-response.js';
import { Batcher, RunnerStoppedError } from './batcher.js';
import { passesFilters } from './filter.js';
import { UncommittedResponseError } from './function-process-host.js';
import type { EmulatedRecord, MappingConfig } from './types.js';

export type MskHandler = (event: MskEvent, context: Context) => Promise<unknown>;

export interface RunnerStats {
  invocations: number;
  records: number;
  retries: number;
  toDestination: number;
  filtered: number;
  dropped: number;
  /** kafkajs consumer crashes (each one restarted): a healthy broker gives none */
  consumerCrashes: number;
  /** records delivered again although they had succeeded (the chaos run's duplicate deliveries) */
  duplicateDeliveries: number;
}

/**
 * Counters at zero, for a runner and for sums over runners.
 * @example
 * ```ts
 * const totals = emptyRunnerStats();
 * for (const runner of runners) totals.invocations += runner.stats.invocations;
 * ```
 */
export function emptyRunnerStats(): RunnerStats {
  return {
    invocations: 0,
    records: 0,
    retries: 0,
    toDestination: 0,
    filtered: 0,
    dropped: 0,
    consumerCrashes: 0,
    duplicateDeliveries: 0,
  };
}

/** Faults the chaos run switches on (the chaos run); a runner without them behaves as AWS documents. */
export interface RunnerFaults {
  /**
   * Share of batches delivered again after they succeeded (once or twice more, as after a commit the
   * poller lost) and of partial batch responses answered by replaying the whole batch.
   */
  duplicateRate: number;
  random: () => number;
}

export type { InvocationResult };

/** How a mapping's latest invocation ended, as an operator looks for it first. */
export interface LastInvocation {
  /** when it returned */
  at: Date;
  /** `ok`: every record done; `partial`: a partial batch response; `error`: the function failed */
  outcome: InvocationResult['kind'];
  records: number;
  durationMs: number;
  /** the error's class, when the invocation failed */
  errorClass?: string | undefined;
}

export interface RunnerOptions {
  brokers: string[];
  handler: MskHandler;
  log: (line: string) => void;
  /** test hook: called after an invocation returns and before anything is committed */
  afterInvoke?: ((result: InvocationResult) => void) | undefined;
  /** told of every invocation as it returns: its records and milliseconds (what {@link MappingRunner.lastInvocation} holds) */
  onInvocation?: ((invocation: LastInvocation) => void) | undefined;
  /** consumer group session; a runner that crashed without leaving loses its partitions after this long */
  sessionTimeoutMs?: number | undefined;
  faults?: RunnerFaults | undefined;
}

function describeRecords(records: readonly EmulatedRecord[]): string {
  const ranges = new Map<string, [number, number]>();
  for (const { partitionKey, offset } of records) {
    const range = ranges.get(partitionKey);
    ranges.set(
      partitionKey,
      range ? [Math.min(range[0], offset), Math.max(range[1], offset)] : [offset, offset],
    );
  }
  return [...ranges].map(([partition, [first, last]]) => `${partition}@${first}..${last}`).join(' ');
}

/** A fetched Kafka message as the emulator holds it: key and headers as bytes, a repeated header name kept. */
function toRecord(topic: string, partition: number, message: KafkaMessage): EmulatedRecord {
  const headers = Object.entries(message.headers ?? {}).flatMap(([name, value]) =>
    (Array.isArray(value) ? value : value === undefined ? [] : [value]).map((one) => ({
      name,
      value: Buffer.from(one),
    })),
  );
  return {
    topic,
    partition,
    partitionKey: `${topic}-${partition}`,
    offset: Number(message.offset),
    key: message.key ?? undefined,
    value: message.value,
    headers,
    timestamp: Number(message.timestamp),
    bytes: (message.value?.length ?? 0) + (message.key?.length ?? 0),
  };
}

/**
 * Drives one function from one topic the way an MSK event source mapping does: a consumer group,
 * batches of up to BatchSize records over several partitions, at most one batch in flight per
 * partition, offsets committed only after the records are done, retries with bisection, partial
 * batch responses, record age, filters and the `kafka://` on-failure destination.
 * @example
 * ```ts
 * const [mapping] = mappingsFromTemplate(readTemplate('.serverless/cloudformation-template-update-stack.json'), config);
 * const runner = new MappingRunner(mapping, { brokers: ['127.0.0.1:9092'], handler, log: console.log });
 * await runner.start();
 * // …records on the mapping's topic invoke `handler` in batches, as the mapping would
 * await runner.stop();
 * ```
 */
export class MappingRunner {
  readonly stats: RunnerStats = emptyRunnerStats();
  /** the latest invocation's outcome; undefined before the first */
  lastInvocation: LastInvocation | undefined;
  readonly #consumer: Consumer;
  readonly #producer: Producer;
  readonly #batcher: Batcher;
  /**
   * Each partition's latest batch in flight, which the partition's next batch waits for: it settles
   * after every earlier batch of its partition, so these are all the work in flight.
   */
  readonly #partitionWork = new Map<string, Promise<void>>();
  #stopping = false;

  /**
   * @param mapping - the mapping, as the packaged template defines it (`mappingsFromTemplate`)
   * @param options - the brokers, the handler, where to log, test hooks and faults
   */
  constructor(
    readonly mapping: MappingConfig,
    private readonly options: RunnerOptions,
  ) {
    const kafka = new Kafka({
      clientId: `emulator-${mapping.functionKey}`,
      brokers: options.brokers,
      logLevel: logLevel.NOTHING,
    });
    this.#consumer = kafka.consumer({
      groupId: mapping.consumerGroupId,
      sessionTimeout: options.sessionTimeoutMs ?? 10_000,
      heartbeatInterval: 300,
      maxWaitTimeInMs: 100,
    });
    this.#producer = kafka.producer({ maxInFlightRequests: 1 });
    this.#batcher = new Batcher(mapping, (records) => this.#deliver(records));
  }

  /** Resolves once the group is joined and a first fetch has been made: offsets are positioned. */
  async start(): Promise<void> {
    await this.#producer.connect();
    const positioned = new Promise<void>((resolve) => {
      const remove = this.#consumer.on(this.#consumer.events.FETCH, () => {
        remove();
        resolve();
      });
    });
    this.#consumer.on(this.#consumer.events.CRASH, ({ payload }) => {
      if (this.#stopping) return;
      this.stats.consumerCrashes += 1;
      this.options.log(
        `${this.mapping.functionKey}: consumer crashed (${payload.error.name}: ${payload.error.message})${payload.restart ? '; kafkajs restarts it' : '; restarting it'}`,
      );
      // kafkajs gives up on errors it deems non-retriable; Lambda's pollers never do.
      if (!payload.restart) this.#restartLater();
    });
    await this.#consume();
    await positioned;
  }

  async #consume(): Promise<void> {
    await this.#consumer.connect();
    await this.#consumer.subscribe({
      topic: this.mapping.topic,
      fromBeginning: this.mapping.startingPosition === 'TRIM_HORIZON',
    });
    await this.#consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 64,
      eachBatch: (payload) => this.#eachPartitionBatch(payload),
    });
  }

  /** Start consuming again once kafkajs has finished tearing the crashed consumer down. */
  #restartLater(): void {
    setTimeout(() => {
      if (this.#stopping) return;
      this.#consume().catch((error: unknown) => {
        this.options.log(`${this.mapping.functionKey}: consumer restart failed (${String(error)}); retrying`);
        this.#restartLater();
      });
    }, 1_000).unref();
  }

  /** Stop like a redeploy would: work in flight is abandoned uncommitted and delivered again later. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#batcher.abort();
    await Promise.allSettled([...this.#partitionWork.values()]);
    await this.#consumer.disconnect();
    await this.#producer.disconnect();
  }

  /**
   * One partition's fetched messages. kafkajs fetches again only once every batch of a fetch has been
   * handled, so waiting here would keep other partitions' records out of the batching window. Instead
   * the partition is paused (at most one batch in flight per partition), its records go to the batcher
   * in chunks of at most BatchSize, and it resumes once they are done and committed.
   */
  async #eachPartitionBatch({ batch, pause, resolveOffset }: EachBatchPayload): Promise<void> {
    const records = batch.messages.map((message) => toRecord(batch.topic, batch.partition, message));
    const first = records[0];
    const last = records.at(-1);
    if (!first || !last) return;
    const resume = pause();
    // The fetch position moves past this batch now; a failure below seeks back to its first record.
    resolveOffset(String(last.offset));
    const seek = (offset: number) => {
      try {
        this.#consumer.seek({ topic: batch.topic, partition: batch.partition, offset: String(offset) });
      } catch {
        // The consumer crashed meanwhile; restarted, it reads on from the committed offset.
      }
    };
    // One batch of a partition at a time, as Lambda runs them: a batch still in flight from before a
    // consumer restart goes first. kafkajs builds a new consumer group when it restarts a crashed
    // consumer, forgetting the pause above, and fetches the partition again from its committed offset.
    const partitionKey = `${batch.topic}-${batch.partition}`;
    const earlier = this.#partitionWork.get(partitionKey) ?? Promise.resolve();
    const work = earlier
      .then(() => this.#deliverPartitionBatch(batch.topic, batch.partition, records))
      .then(
        () => resume(),
        (error: unknown) => {
          if (this.#stopping) return;
          this.options.log(
            `${this.mapping.functionKey}: ${batch.topic}-${batch.partition} failed (${String(error)}); reading it again`,
          );
          seek(first.offset);
          resume();
        },
      );
    this.#partitionWork.set(partitionKey, work);
    void work
      .catch(() => {})
      .finally(() => {
        if (this.#partitionWork.get(partitionKey) === work) this.#partitionWork.delete(partitionKey);
      });
  }

  async #deliverPartitionBatch(topic: string, partition: number, records: EmulatedRecord[]): Promise<void> {
    for (let start = 0; start < records.length; start += this.mapping.batchSize) {
      const chunk = records.slice(start, start + this.mapping.batchSize);
      const delivered = chunk.filter((record) => passesFilters(this.mapping.filterPatterns, record.value));
      this.stats.filtered += chunk.length - delivered.length;
      // Filtered-out records are committed with the next successful invocation (docs/aws-behaviours.md, "Filtering").
      if (delivered.length > 0) await this.#batcher.submit(delivered);
      const last = chunk.at(-1) as EmulatedRecord;
      // Committed only now, after the records are done: a crash before this point redelivers them.
      await this.#consumer.commitOffsets([{ topic, partition, offset: String(last.offset + 1) }]);
    }
  }

  /** Deliver records until each one succeeded or went to the destination (or was dropped). */
  async #deliver(records: EmulatedRecord[]): Promise<void> {
    const invokeCount = new Map<string, number>();
    const queue: EmulatedRecord[][] = [records];
    // A replayed batch is not replayed again: every record comes at most three times from the chaos run.
    const replayed = new WeakSet<EmulatedRecord[]>();
    while (queue.length > 0) {
      if (this.#stopping) throw new RunnerStoppedError('the mapping runner stopped');
      let batch = queue.shift() as EmulatedRecord[];
      batch = await this.#expireOldRecords(batch, invokeCount);
      if (batch.length === 0) continue;
      // A redelivery (a replay of the chaos run) starts afresh: its attempts are its own.
      if (replayed.has(batch)) for (const record of batch) invokeCount.delete(recordId(record));
      for (const record of batch)
        invokeCount.set(recordId(record), (invokeCount.get(recordId(record)) ?? 0) + 1);
      const result = await this.#invoke(batch);
      this.options.afterInvoke?.(result);
      if (result.kind === 'error' && result.error instanceof UncommittedResponseError) {
        const again = [...batch];
        replayed.add(again);
        queue.unshift(again);
        continue;
      }
      if (result.kind === 'ok') {
        const replays = replayed.has(batch) ? 0 : this.#replays();
        if (replays > 0) {
          // Delivered again as if the commit had been lost: the function must find nothing to do.
          this.stats.duplicateDeliveries += batch.length * replays;
          for (let replay = 0; replay < replays; replay++) {
            const again = [...batch];
            replayed.add(again);
            queue.unshift(again);
          }
        }
        continue;
      }
      let failed =
        result.kind === 'error'
          ? batch
          : batch.filter(
              (record) =>
                record.offset >= (result.lowestFailed.get(record.partitionKey) ?? Number.POSITIVE_INFINITY),
            );
      if (result.kind === 'partial' && !replayed.has(batch) && this.#replays() > 0) {
        // A poller that replays the whole batch after a partial response: what succeeded comes again.
        this.stats.duplicateDeliveries += batch.length - failed.length;
        failed = batch;
      }
      const retries = this.mapping.maximumRetryAttempts;
      const exhausted = failed.filter(
        (record) => retries >= 0 && (invokeCount.get(recordId(record)) ?? 0) > retries,
      );
      const again = failed.filter((record) => !exhausted.includes(record));
      if (exhausted.length > 0)
        await this.#toDestination(exhausted, invokeCount, 'RetriesExhausted', records.length);
      if (again.length === 0) continue;
      this.stats.retries++;
      await new Promise((resolve) =>
        setTimeout(
          resolve,
          Math.min(1_000, 50 * 2 ** Math.min(10, invokeCount.get(recordId(again[0] as EmulatedRecord)) ?? 1)),
        ),
      );
      if (result.kind === 'error' && this.mapping.bisectBatchOnFunctionError && again.length > 1) {
        const half = Math.ceil(again.length / 2);
        queue.unshift(again.slice(0, half), again.slice(half));
        this.options.log(
          `${this.mapping.functionKey}: bisecting ${again.length} records into ${half} + ${again.length - half}`,
        );
      } else {
        queue.unshift(again);
      }
    }
  }

  /** How many extra deliveries the chaos run wants of a batch: none without faults, else 0, 1 or 2. */
  #replays(): number {
    const faults = this.options.faults;
    if (!faults || faults.random() >= faults.duplicateRate) return 0;
    return faults.random() < 0.5 ? 1 : 2;
  }

  /** Records older than MaximumRecordAgeInSeconds are not retried (docs/aws-behaviours.md, "Error handling"): they leave for the destination. */
  async #expireOldRecords(
    batch: EmulatedRecord[],
    invokeCount: Map<string, number>,
  ): Promise<EmulatedRecord[]> {
    const maxAge = this.mapping.maximumRecordAgeSeconds;
    if (maxAge < 0) return batch;
    const now = Date.now();
    const expired = batch.filter((record) => now - (record.timestamp ?? now) > maxAge * 1000);
    if (expired.length === 0) return batch;
    // Not documented: the condition Lambda reports for an expired record; we name it plainly.
    await this.#toDestination(expired, invokeCount, 'RecordAgeExceeded', batch.length);
    return batch.filter((record) => !expired.includes(record));
  }

  async #invoke(batch: EmulatedRecord[]): Promise<InvocationResult> {
    const event = encodeMskEvent(batch, {
      eventSourceArn: this.mapping.eventSourceArn,
      bootstrapServers: this.options.brokers.join(','),
    });
    const context = lambdaContext(this.mapping.functionKey, this.mapping.timeoutSeconds);
    const started = performance.now();
    this.stats.invocations++;
    this.stats.records += batch.length;
    let result: InvocationResult;
    try {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`Task timed out after ${this.mapping.timeoutSeconds.toFixed(2)} seconds`)),
          this.mapping.timeoutSeconds * 1000,
        );
      });
      const response = await Promise.race([this.options.handler(event, context), timeout]).finally(() =>
        clearTimeout(timer),
      );
      result = readBatchResponse(response, batch, this.mapping.reportBatchItemFailures);
    } catch (error) {
      result = { kind: 'error', error: error instanceof Error ? error : new Error(String(error)) };
    }
    const took = Math.round(performance.now() - started);
    this.lastInvocation = {
      at: new Date(),
      outcome: result.kind,
      records: batch.length,
      durationMs: took,
      ...(result.kind === 'error' ? { errorClass: result.error.name } : {}),
    };
    this.options.onInvocation?.(this.lastInvocation);
    const summary =
      result.kind === 'ok'
        ? 'ok'
        : result.kind === 'partial'
          ? `partial: ${[...result.lowestFailed].map(([partition, offset]) => `${partition} from ${offset}`).join(', ')}`
          : `error: ${result.error.message}`;
    this.options.log(
      `${this.mapping.functionKey} ← ${describeRecords(batch)} (${batch.length} records) ${summary} ${took} ms`,
    );
    return result;
  }

  /**
   * The Kafka partial batch response (docs/aws-behaviours.md, "Error handling"): empty/null = success; an identifier that was not
   * in the event fails the whole batch; per partition, resume from the lowest reported offset.
   */
  /** One message per failed record, with the original key, in the documented format (docs/aws-behaviours.md, "Error handling"). */
  async #toDestination(
    records: EmulatedRecord[],
    invokeCount: Map<string, number>,
    condition: string,
    batchSize: number,
  ): Promise<void> {
    if (!this.mapping.destinationTopic) {
      this.stats.dropped += records.length;
      this.options.log(
        `${this.mapping.functionKey}: ${records.length} records DROPPED (${condition}, no on-failure destination)`,
      );
      return;
    }
    const context = lambdaContext(this.mapping.functionKey, this.mapping.timeoutSeconds);
    const event = {
      eventSource: 'aws:kafka',
      eventSourceArn: this.mapping.eventSourceArn,
      bootstrapServers: this.options.brokers.join(','),
    } as const;
    await this.#producer.send({
      topic: this.mapping.destinationTopic,
      acks: -1,
      messages: records.map((record) => ({
        key: record.key ?? null,
        value: destinationValue(
          {
            event,
            context,
            partitionKey: record.partitionKey,
            topic: record.topic,
            partition: record.partition,
            offset: record.offset,
            timestamp: record.timestamp,
            key: null,
            raw: encodeMskRecord(record),
            batchSize,
          },
          {
            condition,
            approximateInvokeCount: invokeCount.get(recordId(record)) ?? 0,
            functionError: 'Unhandled',
          },
        ),
      })),
    });
    this.stats.toDestination += records.length;
    this.options.log(
      `${this.mapping.functionKey}: ${describeRecords(records)} → kafka://${this.mapping.destinationTopic} (${condition})`,
    );
  }
}
