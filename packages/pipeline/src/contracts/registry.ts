import * as z from 'zod/mini';
import { ContractViolationError } from '../common/errors.js';
import { type Envelope, envelopeSchema, MAX_MESSAGE_BYTES } from './envelope.js';
import { describeIssues } from './issues.js';

/** One message type at one version on one topic. */
export interface MessageContract<TData = unknown> {
  topic: string;
  type: string;
  version: number;
  data: z.core.$ZodType<TData>;
  description?: string;
}

/**
 * Declare a contract. Topic, type and version keep their literal types and the zod schema its own type,
 * so that the messages of a set of contracts form a discriminated union ({@link MessageOf}).
 *
 * @param contract - topic, type, version, description and the zod schema of `data`
 * @example
 * ```ts
 * export const orderPlacedV1 = defineContract({
 *   topic: 'orders.events',
 *   type: 'OrderPlaced',
 *   version: 1,
 *   data: z.object({ orderId: z.string(), total: z.int() }),
 * });
 * ```
 */
export function defineContract<
  const TTopic extends string,
  const TType extends string,
  const TVersion extends number,
  TSchema extends z.core.$ZodType,
>(contract: {
  topic: TTopic;
  type: TType;
  version: TVersion;
  description?: string;
  data: TSchema;
}): MessageContract<z.infer<TSchema>> & { topic: TTopic; type: TType; version: TVersion; data: TSchema } {
  // A generic schema is not known to TypeScript as a ZodType of its own output: say it once, here.
  return contract as MessageContract<z.infer<TSchema>> & typeof contract;
}

/** A validated message: the envelope with `data` parsed by its contract. */
export type ValidMessage<TData = unknown> = Envelope<TData> & { contract: MessageContract<TData> };

/**
 * The message a handler receives for one contract: its type and version as literals and its data as the
 * contract parsed it. Over a union of contracts, a union the handler can `switch` on without casts.
 */
export type ContractMessage<TContract> = TContract extends {
  type: infer TType;
  version: infer TVersion;
  data: infer TSchema extends z.core.$ZodType;
}
  ? Omit<Envelope<z.infer<TSchema>>, 'type' | 'version'> & {
      type: TType;
      version: TVersion;
      contract: MessageContract;
    }
  : never;

/** Type, version and data of one contract's messages (a stored or upcast payload, without envelope). */
export type ContractPayload<TContract> = TContract extends {
  type: infer TType;
  version: infer TVersion;
  data: infer TSchema extends z.core.$ZodType;
}
  ? { type: TType; version: TVersion; data: z.infer<TSchema> }
  : never;

/** The payloads of a list of contracts, as a discriminated union on type and version. */
export type PayloadOf<TContracts extends readonly MessageContract[]> = ContractPayload<TContracts[number]>;

/** The messages of a list of contracts (what a consumer `accepts`). */
export type MessageOf<TContracts extends readonly MessageContract[]> = ContractMessage<TContracts[number]>;

/**
 * Why a value is not JSON, without quoting it: V8's messages carry a piece of the input
 * (`Unexpected token 'x', "xxxx"... is not valid JSON`), and reasons go to logs and dead-letter
 * headers, where payloads must not.
 */
function notJson(error: unknown, length: number): string {
  const position = error instanceof Error ? /at position (\d+)/.exec(error.message)?.[1] : undefined;
  return `value is not JSON (${length} bytes${position === undefined ? '' : `, invalid at position ${position}`})`;
}

/** How a registry treats its topics. */
export interface ContractRegistryOptions {
  /**
   * Topics whose outgoing messages are checked against their contracts before anything commits
   * (`assertPublishable`): the event topics a service alone writes. MSK validates nothing at produce
   * time; without the check a producer bug is found by every consumer downstream.
   * @default [] (no topic: only size and the declared topics are checked)
   */
  validatedOnPublish?: readonly string[];
}

/**
 * Topic → type → version → contract, built once per container.
 *
 * @example
 * ```ts
 * const contracts = new ContractRegistry([placeOrderV1, orderPlacedV1], {
 *   validatedOnPublish: ['orders.events'],
 * });
 * const message = contracts.validate('orders.commands', record.value);
 * ```
 */
export class ContractRegistry {
  readonly #contracts: MessageContract[] = [];
  readonly #byTopic = new Map<string, Map<string, Map<number, MessageContract>>>();
  readonly #validatedOnPublish: ReadonlySet<string>;

  /**
   * @param contracts every contract version the service reads or writes; one of each topic/type/version
   * @param options see {@link ContractRegistryOptions}
   */
  constructor(contracts: readonly MessageContract[], options: ContractRegistryOptions = {}) {
    this.#validatedOnPublish = new Set(options.validatedOnPublish ?? []);
    for (const contract of contracts) {
      const types = this.#byTopic.get(contract.topic) ?? new Map<string, Map<number, MessageContract>>();
      const versions = types.get(contract.type) ?? new Map<number, MessageContract>();
      if (versions.has(contract.version))
        throw new Error(`contract ${contract.topic}/${contract.type}/v${contract.version} is declared twice`);
      versions.set(contract.version, contract as MessageContract);
      types.set(contract.type, versions);
      this.#byTopic.set(contract.topic, types);
      this.#contracts.push(contract as MessageContract);
    }
  }

  get contracts(): MessageContract[] {
    return [...this.#contracts];
  }

  /**
   * Whether messages published to `topic` are checked against its contracts before they commit.
   *
   * @param topic - a topic
   */
  validatesOnPublish(topic: string): boolean {
    return this.#validatedOnPublish.has(topic);
  }

  /**
   * The newest version of a message type on a topic: what producers write today.
   *
   * @param topic - the topic
   * @param type - the message type
   */
  latest(topic: string, type: string): MessageContract | undefined {
    let newest: MessageContract | undefined;
    for (const contract of this.#byTopic.get(topic)?.get(type)?.values() ?? []) {
      if (contract.version > (newest?.version ?? 0)) newest = contract;
    }
    return newest;
  }

  /**
   * Nested maps: a record's lookup builds no key string (bench/pipeline.ts).
   *
   * @param topic - the topic
   * @param type - the message type
   * @param version - its version
   */
  find(topic: string, type: string, version: number): MessageContract | undefined {
    return this.#byTopic.get(topic)?.get(type)?.get(version);
  }

  /** envelope + data schema per contract, built on first use */
  readonly #messageSchemas = new Map<MessageContract, z.core.$ZodType<Envelope>>();

  #messageSchema(contract: MessageContract): z.core.$ZodType<Envelope> {
    let schema = this.#messageSchemas.get(contract);
    if (!schema) {
      schema = z.extend(envelopeSchema, { data: contract.data });
      this.#messageSchemas.set(contract, schema);
    }
    return schema;
  }

  /**
   * Parse and validate a record value. Every failure is a {@link ContractViolationError} that says
   * what is wrong: not JSON, not an envelope, an unknown type/version for the topic, or bad data.
   *
   * @param topic - the topic the value was read from
   * @param value - the record's value (bytes or text)
   */
  validate(topic: string, value: Buffer | string | undefined): ValidMessage {
    if (value === undefined)
      throw new ContractViolationError(`a tombstone (null value) is not a message on ${topic}`, topic);
    const bytes = typeof value === 'string' ? Buffer.byteLength(value) : value.length;
    if (bytes > MAX_MESSAGE_BYTES)
      throw new ContractViolationError(
        `value is ${bytes} bytes; a message on ${topic} takes at most ${MAX_MESSAGE_BYTES}`,
        topic,
      );
    let json: unknown;
    try {
      json = JSON.parse(typeof value === 'string' ? value : value.toString('utf8'));
    } catch (error) {
      throw new ContractViolationError(notJson(error, value.length), topic);
    }
    const { type, version } = (json ?? {}) as { type?: unknown; version?: unknown };
    const contract =
      typeof type === 'string' && typeof version === 'number' ? this.find(topic, type, version) : undefined;
    if (contract) {
      // zod alone (issue 24): an acceptor compiled from zod's internals saved ~4 µs per record, beside
      // milliseconds of DynamoDB per record; no end-to-end figure moved (docs/benchmarks.md).
      const message = z.safeParse(this.#messageSchema(contract), json);
      if (message.success) return Object.assign(message.data, { contract });
      throw new ContractViolationError(
        `${type} v${version} is invalid: ${describeIssues(message.error)}`,
        topic,
        type as string,
      );
    }
    const envelope = envelopeSchema.safeParse(json);
    if (!envelope.success)
      throw new ContractViolationError(
        `value is not a message envelope: ${describeIssues(envelope.error)}`,
        topic,
      );
    throw new ContractViolationError(
      `${type} v${version} is not a message of topic ${topic}`,
      topic,
      String(type),
    );
  }
}
