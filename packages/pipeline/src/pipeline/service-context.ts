import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { type ConnectedPublisher, KafkaPublisher, kafkaConfig } from '../kafka/producer.js';
import { dynamoDbConfig, tableName } from '../store/dynamodb.js';

/**
 * Everything a function reaches outside itself, in one object: the DynamoDB client, the Kafka
 * publisher, the table names, the clock. The environment is read here and nowhere else in the
 * pipeline. Clients are built on first use and then reused, so a function that never publishes never
 * loads kafkajs, and one context per container keeps connections warm across invocations.
 */
export interface ServiceContext {
  /** the variables the context was configured from (table names, brokers, endpoints) */
  readonly environment: Readonly<Record<string, string | undefined>>;
  /** the DynamoDB document client every store of the function shares */
  readonly documentClient: DynamoDBDocumentClient;
  /** the Kafka producer (idempotent, one request in flight per connection); connects on first publish */
  readonly publisher: ConnectedPublisher;
  /**
   * The name of a table, from the environment variable naming it.
   * @param variable - the variable serverless.yml sets for the table (`provider.environment`)
   * @throws Error naming the variable when it is not set
   */
  tableName(variable: string): string;
  /** the time, in milliseconds since the epoch */
  now(): number;
  /** Disconnects the publisher if this context opened one (a local process must exit; Lambda freezes instead). */
  release(): Promise<void>;
}

/** How a {@link ServiceContext} is built; every part can be replaced (tests, benchmarks, scripts). */
export interface ServiceContextOptions {
  /**
   * Where table names, brokers (`KAFKA_BROKERS` or `MSK_CLUSTER_ARN`, `KAFKA_AUTH`) and the DynamoDB
   * endpoint (`DYNAMODB_ENDPOINT`, `AWS_REGION`) are read.
   * @default process.env
   */
  environment?: NodeJS.ProcessEnv;
  /** @default a client configured by {@link dynamoDbConfig} from `environment`, dropping undefined attributes */
  documentClient?: DynamoDBDocumentClient;
  /** @default a kafkajs producer configured by {@link kafkaConfig} from `environment` */
  publisher?: ConnectedPublisher;
  /**
   * Signs MSK IAM tokens and asks MSK for the brokers.
   * @default the SDK's default credential chain (in Lambda: the execution role)
   */
  credentials?: AwsCredentialIdentityProvider;
  /**
   * The Kafka client id the brokers log and quote against.
   * @default `AWS_LAMBDA_FUNCTION_NAME` of `environment`, else `kafka-patterns`
   */
  kafkaClientId?: string;
  /** @default Date.now */
  now?: () => number;
}

/**
 * A service context from options, the rest from the environment.
 *
 * @param options - the parts to replace; see {@link ServiceContextOptions}
 * @returns a context whose clients are built on first use
 * @example
 * ```ts
 * const service = createServiceContext({ environment: { ...process.env, KAFKA_AUTH: 'none' } });
 * const views = new OrderViews(service.documentClient, service.tableName('ORDER_VIEWS_TABLE'));
 * await service.publisher.publish(records);
 * await service.release();
 * ```
 */
export function createServiceContext(options: ServiceContextOptions = {}): ServiceContext {
  const environment = options.environment ?? process.env;
  let documentClient = options.documentClient;
  let credentials = options.credentials;
  let ownPublisher: KafkaPublisher | undefined;
  const publisherGiven = options.publisher;
  return {
    environment,
    get documentClient() {
      documentClient ??= DynamoDBDocumentClient.from(new DynamoDBClient(dynamoDbConfig(environment)), {
        marshallOptions: { removeUndefinedValues: true },
      });
      return documentClient;
    },
    get publisher() {
      if (publisherGiven) return publisherGiven;
      ownPublisher ??= new KafkaPublisher(
        kafkaConfig(environment, {
          credentials: () => {
            credentials ??= defaultProvider();
            return credentials();
          },
          ...(options.kafkaClientId ? { clientId: options.kafkaClientId } : {}),
        }),
      );
      return ownPublisher;
    },
    tableName: (variable) => tableName(variable, environment),
    now: options.now ?? Date.now,
    release: async () => ownPublisher?.disconnect(),
  };
}

let container: ServiceContext | undefined;

/**
 * The container's service context: built from `process.env` on first use and shared by everything the
 * container runs — what a deployed function uses unless it is given another. Lambda runs one function
 * per container and reuses it across invocations, so this is where the clients' connections live.
 *
 * @returns the same context on every call in one module graph
 * @example
 * ```ts
 * const sagas = new SagaStore(containerContext().documentClient, containerContext().tableName('SAGAS_TABLE'));
 * ```
 */
export function containerContext(): ServiceContext {
  container ??= createServiceContext();
  return container;
}

/**
 * What a function builds from its service context, built once per context and then reused: a store,
 * a cache, a provider. Another context (a test's) gets its own.
 *
 * @param build - builds the value from a context
 * @returns the value of a context, built on its first request
 * @example
 * ```ts
 * const paymentsOf = perServiceContext((service) => ({
 *   payments: new PaymentStore(service.documentClient, service.tableName('PAYMENTS_TABLE')),
 * }));
 * const { payments } = paymentsOf(context.service);
 * ```
 */
export function perServiceContext<TValue>(build: (service: ServiceContext) => TValue): ServiceScoped<TValue> {
  const built = new WeakMap<ServiceContext, TValue>();
  function scoped(service: ServiceContext): TValue {
    const cached = built.get(service);
    if (cached !== undefined) return cached;
    const value = build(service);
    built.set(service, value);
    return value;
  }
  return Object.assign(scoped, {
    provide(service: ServiceContext, value: TValue): void {
      built.set(service, value);
    },
  });
}

/** What {@link perServiceContext} returns: the value of a context, and a way to give a context its own. */
export type ServiceScoped<TValue> = ((service: ServiceContext) => TValue) & {
  /**
   * Sets the value a context gets instead of building it (a test's provider).
   * @param service - the context
   * @param value - its value
   */
  provide(service: ServiceContext, value: TValue): void;
};
