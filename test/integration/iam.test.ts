import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import {
  createDeclaredTables,
  lambdaContext,
  loadHandler,
  loadServerlessConfig,
  MappingRunner,
  mappingsFromTemplate,
} from '@msk-patterns/emulator';
import {
  containerContext,
  dynamoDbConfig,
  encodeMskEvent,
  envelopeHeaders,
  type OutgoingRecord,
} from '@msk-patterns/pipeline';
import type { Statement, Template } from '@msk-patterns/serverless-plugin';
import { type ClusterArns, clusterArns, functionKeyOf } from '@msk-patterns/serverless-plugin';
import type { Context } from 'aws-lambda';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { sagaStore } from '../../functions/saga/store.js';
import { pollUntil } from '../../local/poll.js';
import { recordKafkaRequests } from '../support/kafka-wire.js';
import { iamCallsOf } from '../support/msk-iam-actions.js';
import { unique } from '../support/pipeline.js';
import { cancel, place, stocked } from '../support/saga.js';
import {
  ACCOUNT,
  FUNCTION_KEYS,
  functionRoles,
  REGION,
  readTemplate,
  resourcesOfType,
  roleStatements,
} from '../support/template.js';

/**
 * The deployed roles, simulated with an IAM policy evaluator (@cloud-copilot/iam-simulate) against the
 * calls each function really makes. Every function runs in a container of its own (a fresh module
 * graph: its own clients and connections, as in Lambda) on DynamoDB Local and the broker: its sample
 * events, then orders driven through every path that makes a distinct call — a confirmed order, a
 * payment declined and compensated, a customer's cancellation with a refund, a saga past its deadline
 * found by the sweep, snapshots, redeliveries. Its calls are recorded where they leave the process:
 * each DynamoDB request from its client, each Kafka request from its sockets (decoded and mapped to
 * MSK's IAM actions, test/support/msk-iam-actions.ts), each MSK API request at a stand-in endpoint.
 * Each mapping runs in the emulator under its own consumer group and writes its on-failure
 * destination, recorded the same way; what only Lambda's runtime does (logs, network interfaces, the
 * poller's cluster lookups) is taken from AWS's documented managed policies. All must be Allowed;
 * what a function must not do must be Denied.
 */
interface Call {
  action: string;
  resource: string;
  /** the partition key values of the items the request names (`dynamodb:LeadingKeys`) */
  leadingKeys?: string[];
}

/** Each table's partition key attribute, by table ARN, from the packaged template. */
const hashKeys = new Map<string, string>();

/** The partition key values of the items in a request's `Item`, `Key` or `Keys`. */
function leadingKeys(table: string, ...items: unknown[]): { leadingKeys?: string[] } {
  const attribute = hashKeys.get(tableArn(table));
  if (!attribute) return {};
  const values = items.flatMap((item) =>
    typeof item === 'object' && item !== null && attribute in item
      ? [String(Reflect.get(item, attribute))]
      : [],
  );
  return values.length > 0 ? { leadingKeys: values } : {};
}

/**
 * The functions run on tables and consumer groups of their own stage (`iam`), so that they touch
 * nothing the other tests use; the calls are simulated on the packaged dev stage's names.
 */
const RUN_STAGE = 'iam';
const deployedName = (name: string) => name.replace(`-${RUN_STAGE}-`, '-dev-');
const tableArn = (name: unknown) =>
  `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${deployedName(String(name))}`;

class UnmappedRequestError extends Error {
  override readonly name = 'UnmappedRequestError';
}

/** The IAM actions a DynamoDB request is authorized as: a transaction or batch per item it names. */
function dynamoDbCalls(command: string, input: Record<string, unknown>): Call[] {
  const operation = command.replace(/Command$/, '');
  const single: Record<string, string> = {
    Get: 'GetItem',
    GetItem: 'GetItem',
    Put: 'PutItem',
    PutItem: 'PutItem',
    Update: 'UpdateItem',
    UpdateItem: 'UpdateItem',
    Delete: 'DeleteItem',
    DeleteItem: 'DeleteItem',
    Query: 'Query',
    Scan: 'Scan',
  };
  const action = single[operation];
  if (action) {
    const index = input.IndexName ? `/index/${String(input.IndexName)}` : '';
    return [
      {
        action: `dynamodb:${action}`,
        resource: `${tableArn(input.TableName)}${index}`,
        ...leadingKeys(String(input.TableName), input.Item, input.Key),
      },
    ];
  }
  if (operation === 'BatchGet' || operation === 'BatchGetItem')
    return Object.entries((input.RequestItems ?? {}) as Record<string, { Keys?: unknown[] }>).map(
      ([table, request]) => ({
        action: 'dynamodb:BatchGetItem',
        resource: tableArn(table),
        ...leadingKeys(table, ...(request.Keys ?? [])),
      }),
    );
  if (operation === 'TransactWrite' || operation === 'TransactWriteItems') {
    const items = (input.TransactItems ?? []) as Array<
      Record<string, { TableName: string; Item?: unknown; Key?: unknown }>
    >;
    const actions: Record<string, string> = {
      Put: 'PutItem',
      Update: 'UpdateItem',
      Delete: 'DeleteItem',
      ConditionCheck: 'ConditionCheckItem',
    };
    return items.flatMap((item) =>
      Object.entries(item).map(([kind, request]) => ({
        action: `dynamodb:${actions[kind]}`,
        resource: tableArn(request.TableName),
        ...leadingKeys(request.TableName, request.Item, request.Key),
      })),
    );
  }
  throw new UnmappedRequestError(`no IAM mapping for DynamoDB ${command}`);
}

async function decide(statements: Statement[], call: Call): Promise<string> {
  const result = await runSimulation(
    {
      request: {
        principal: `arn:aws:iam::${ACCOUNT}:role/function`,
        action: call.action,
        resource: { resource: call.resource, accountId: ACCOUNT },
        contextVariables: call.leadingKeys ? { 'dynamodb:LeadingKeys': call.leadingKeys } : {},
      },
      identityPolicies: [{ name: 'function', policy: { Version: '2012-10-17', Statement: statements } }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  if (result.resultType === 'error')
    throw new Error(`${call.action} ${call.resource}: ${JSON.stringify(result)}`);
  return result.overallResult;
}

/** What each function's own code sent (DynamoDB, Kafka, the MSK API), by function key. */
const byFunction = new Map<string, Call[]>();
/** What its mappings sent with its role, by function key. */
const byMapping = new Map<string, Call[]>();
/** Requests no IAM action is known for, and handler results that are not a success. */
const problems: string[] = [];
/** Facts about the paths driven, asserted so that a path that stopped running is noticed. */
const driven = { overdueSwept: 0, snapshots: 0, redeliveries: 0, messages: new Set<string>() };
const add = (map: Map<string, Call[]>, name: string, calls: Call[]) =>
  map.set(name, [...(map.get(name) ?? []), ...calls]);

let template: Template;
let cluster: ClusterArns;
const restore: Array<() => void> = [];

/**
 * AWS's managed policies for what Lambda's runtime does with a function's role, which no local run
 * can show: AWSLambdaBasicExecutionRole (its log stream), AWSLambdaVPCAccessExecutionRole (network
 * interfaces in its VPC) and AWSLambdaMSKExecutionRole (a mapping's poller finds the cluster and its
 * brokers, and reads the cluster's configuration under IAM access control)
 * (https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html,
 * https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html#configuration-vpc-permissions,
 * https://docs.aws.amazon.com/lambda/latest/dg/with-msk-permissions.html). Only the lines a stack
 * with declared log groups needs: no `logs:CreateLogGroup`; `kafka:DescribeClusterV2`, not the v1 the
 * policy also lists.
 */
function runtimeCalls(logGroup: string, inVpc: boolean, mapped: boolean): Call[] {
  const stream = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${logGroup}:log-stream:2026/12/04/[$LATEST]0`;
  const anywhere = (actions: string[]) => actions.map((action) => ({ action, resource: '*' }));
  return [
    { action: 'logs:CreateLogStream', resource: stream },
    { action: 'logs:PutLogEvents', resource: stream },
    ...(inVpc
      ? anywhere([
          'ec2:CreateNetworkInterface',
          'ec2:DescribeNetworkInterfaces',
          'ec2:DescribeSubnets',
          'ec2:DeleteNetworkInterface',
          'ec2:AssignPrivateIpAddresses',
          'ec2:UnassignPrivateIpAddresses',
        ])
      : []),
    ...(mapped
      ? [
          { action: 'kafka:DescribeClusterV2', resource: cluster.cluster },
          { action: 'kafka:GetBootstrapBrokers', resource: '*' },
          { action: 'kafka-cluster:DescribeClusterDynamicConfiguration', resource: cluster.cluster },
          ...anywhere([
            'ec2:CreateNetworkInterface',
            'ec2:DescribeNetworkInterfaces',
            'ec2:DescribeVpcs',
            'ec2:DeleteNetworkInterface',
            'ec2:DescribeSubnets',
            'ec2:DescribeSecurityGroups',
          ]),
        ]
      : []),
  ];
}

type Handler = (event: unknown, context: Context) => Promise<unknown>;

beforeAll(async () => {
  template = readTemplate(inject('packagedTemplates').dev);
  for (const [, table] of resourcesOfType(template, 'AWS::DynamoDB::Table')) {
    const keySchema = (table.Properties?.KeySchema ?? []) as Array<{
      AttributeName: string;
      KeyType: string;
    }>;
    const hash = keySchema.find((key) => key.KeyType === 'HASH')?.AttributeName;
    if (hash) hashKeys.set(tableArn(table.Properties?.TableName), hash);
  }
  const clusterArn = String(resourcesOfType(template, 'AWS::MSK::Topic')[0]?.[1].Properties?.ClusterArn);
  cluster = clusterArns(clusterArn);
  const brokers = inject('kafkaBrokers');
  let current = '';

  // Kafka: every request any client of this process writes to the broker, attributed by client id —
  // a function's publisher is named after its function (AWS_LAMBDA_FUNCTION_NAME), a mapping's
  // emulated poller `emulator-<function>`.
  const clients = new Set([...FUNCTION_KEYS, 'iam-probe']);
  restore.push(
    recordKafkaRequests(new Set(brokers.map((broker) => Number(broker.split(':').pop()))), (request) => {
      const mapping = request.clientId.replace(/^emulator-/, '');
      const name = mapping !== request.clientId ? mapping : request.clientId;
      if (!clients.has(name)) problems.push(`a Kafka request from an unknown client ${request.clientId}`);
      if (request.clientId === 'iam-probe') return;
      try {
        add(
          mapping !== request.clientId ? byMapping : byFunction,
          name,
          iamCallsOf(request, cluster, deployedName),
        );
      } catch (error) {
        problems.push(`${name}: ${String(error)}`);
      }
    }),
  );

  // The MSK API: deployed functions find their brokers from the cluster ARN (GetBootstrapBrokers).
  const mskApi = createServer((request, response) => {
    if (request.url?.endsWith('/bootstrap-brokers') && request.headers.authorization?.startsWith('AWS4'))
      add(byFunction, current, [{ action: 'kafka:GetBootstrapBrokers', resource: '*' }]);
    else problems.push(`${current}: an MSK API request ${request.method} ${request.url}`);
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ bootstrapBrokerStringSaslIam: brokers.join(',') }));
  });
  await new Promise<void>((resolve) => mskApi.listen(0, '127.0.0.1', resolve));
  restore.push(() => mskApi.close());

  const placeholder = 'unused';
  const config = loadServerlessConfig({
    stage: RUN_STAGE,
    params: {
      mskClusterArn: placeholder,
      subnetIds: placeholder,
      securityGroupIds: placeholder,
      alarmTopicArn: placeholder,
      topicReplicationFactor: '3',
    },
  });
  const client = new DynamoDBClient(dynamoDbConfig(process.env));
  await createDeclaredTables(client, config).finally(() => client.destroy());
  const environment: Record<string, string | undefined> = {
    ...Object.fromEntries(
      Object.entries(config.provider.environment ?? {}).filter(([variable]) => variable.endsWith('_TABLE')),
    ),
    // As deployed: brokers from the cluster ARN, asked of the MSK API with the role's credentials.
    // (DynamoDB Local keeps a namespace per access key: the one its clients would use anyway.)
    AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'local',
    AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'local',
    KAFKA_BROKERS: undefined,
    MSK_CLUSTER_ARN: clusterArn,
    AWS_ENDPOINT_URL_KAFKA: `http://127.0.0.1:${(mskApi.address() as AddressInfo).port}`,
    // Paths the sample events do not take: snapshots every second event, deadlines due in a second.
    SNAPSHOT_EVERY: '2',
    SAGA_STEP_TIMEOUT_SECONDS: '1',
  };
  const saved = Object.fromEntries(
    Object.keys(environment).map((variable) => [variable, process.env[variable]]),
  );
  const setEnvironment = (values: Record<string, string | undefined>) => {
    for (const [variable, value] of Object.entries(values))
      if (value === undefined) delete process.env[variable];
      else process.env[variable] = value;
  };
  setEnvironment(environment);
  restore.push(() => setEnvironment(saved));

  // One container per function: a fresh module graph, so its clients and connections are its own.
  const mappings = mappingsFromTemplate(template, loadServerlessConfig());
  const published: OutgoingRecord[] = [];
  const handlers = new Map<string, Handler>();
  for (const [name, fn] of Object.entries(config.functions)) {
    vi.resetModules();
    process.env.AWS_LAMBDA_FUNCTION_NAME = name;
    handlers.set(name, await loadHandler<Handler>(fn.handler));
    // The module graph the function was just loaded in: its container's context.
    const container = (await import('@msk-patterns/pipeline')).containerContext();
    container.documentClient.middlewareStack.add(
      (next, context) => async (args) => {
        try {
          add(
            byFunction,
            name,
            dynamoDbCalls(context.commandName ?? '', args.input as Record<string, unknown>),
          );
        } catch (error) {
          problems.push(`${name}: ${String(error)}`);
        }
        return next(args);
      },
      { step: 'initialize', name: 'recordForIamSimulation' },
    );
    const publisher = container.publisher;
    const publish = publisher.publish.bind(publisher);
    publisher.publish = async (records) => {
      await publish(records);
      published.push(...records);
    };
    restore.push(() => void publisher.disconnect());
  }
  vi.resetModules();

  const invoke = async (name: string, event: unknown, label: string) => {
    current = name;
    process.env.AWS_LAMBDA_FUNCTION_NAME = name;
    const handler = handlers.get(name);
    if (!handler) throw new Error(`no function ${name}`);
    const result: unknown = await handler(event, lambdaContext(name, 60));
    const failures = (result as { batchItemFailures?: unknown[] } | undefined)?.batchItemFailures;
    const status = (result as { statusCode?: number } | undefined)?.statusCode;
    if ((failures && failures.length > 0) || (status !== undefined && status >= 300))
      problems.push(`${name} on ${label}: ${JSON.stringify(result)}`);
    return result;
  };

  // The sample events, as `npm run invoke` sends them.
  const events = readdirSync('events');
  for (const name of Object.keys(config.functions))
    for (const file of events.filter((file) => file === `${name}.json` || file.startsWith(`${name}-`)))
      await invoke(name, JSON.parse(readFileSync(`events/${file}`, 'utf8')), file);

  // Orders through the functions: what one publishes is delivered to every function that reads its
  // topic, each batch twice (the second time as a redelivery), until nothing is left — or withheld.
  const offsets = new Map<string, number>();
  const delivered = new Set<string>();
  const deliver = async (withhold: (record: OutgoingRecord) => boolean = () => false) => {
    for (;;) {
      const due = published.splice(0).filter((record) => {
        const id = `${record.topic}/${String(record.headers['message-id'])}`;
        if (delivered.has(id) || withhold(record)) return false;
        delivered.add(id);
        const { type } = JSON.parse(record.value);
        if (typeof type === 'string') driven.messages.add(type);
        return true;
      });
      if (due.length === 0) return;
      for (const mapping of mappings) {
        const records = due.filter((record) => record.topic === mapping.topic);
        if (records.length === 0) continue;
        const position = `${mapping.functionKey}/${mapping.topic}`;
        const first = offsets.get(position) ?? 0;
        offsets.set(position, first + records.length);
        const event = encodeMskEvent(
          records.map((record, index) => ({
            topic: record.topic,
            partition: 0,
            offset: first + index,
            key: record.key ?? undefined,
            value: record.value,
            headers: record.headers,
          })),
          { eventSourceArn: clusterArn },
        );
        await invoke(mapping.functionKey, event, `${mapping.topic} batch`);
        await invoke(mapping.functionKey, event, `${mapping.topic} batch, redelivered`);
        driven.redeliveries++;
      }
    }
  };
  const send = (envelope: ReturnType<typeof place> | ReturnType<typeof cancel>) =>
    published.push({
      topic: 'orders.commands',
      key: String(Reflect.get(envelope.data, 'orderId')),
      value: JSON.stringify(envelope),
      headers: envelopeHeaders(envelope),
    });

  const sku = unique('iam-sku');
  await stocked({ [sku]: 100 });
  const confirmed = unique('iam-confirmed');
  const declined = unique('iam-declined');
  const refunded = unique('iam-refunded');
  const overdue = unique('iam-overdue');
  send(place(confirmed, [{ sku, quantity: 1, unitPrice: 100 }]));
  send(place(declined, [{ sku, quantity: 1, unitPrice: 10_000_000 }]));
  await deliver();
  // Cancelled by its customer once charged, before the saga's ConfirmOrder lands: refund and release.
  send(place(refunded, [{ sku, quantity: 1, unitPrice: 100 }]));
  await deliver((record) => record.key === refunded && record.value.includes('"type":"ConfirmOrder"'));
  send(cancel(refunded));
  await deliver();
  // A saga whose participant never answers: the sweep finds it past its deadline and asks again.
  send(place(overdue, [{ sku, quantity: 1, unitPrice: 100 }]));
  await deliver((record) => record.topic === 'inventory.commands' && record.key === overdue);
  const waiting = await sagaStore(containerContext()).get(overdue);
  await pollUntil(async () => Date.now() > (waiting?.deadlineAt ?? Number.POSITIVE_INFINITY), {
    timeoutMs: 5_000,
    intervalMs: 50,
  });
  const sweep = await invoke(
    'sagaDeadlines',
    JSON.parse(readFileSync('events/sagaDeadlines.json', 'utf8')),
    'an overdue saga',
  );
  driven.overdueSwept = Number((sweep as { published?: number }).published ?? 0);
  await deliver();
  for (const [orderId, outcome] of [
    [confirmed, 'completed'],
    [declined, 'cancelled'],
    [refunded, 'cancelled'],
  ] as const)
    expect((await sagaStore(containerContext()).get(orderId))?.state, orderId).toBe(outcome);
  driven.snapshots = (byFunction.get('orderCommands') ?? []).filter((call) =>
    call.leadingKeys?.some((key) => key.endsWith('#snapshot')),
  ).length;

  // The queries on these orders: the same requests as the sample events, for another order.
  for (const name of ['getOrder', 'getOrderAsOf', 'listOrderEvents', 'getSaga', 'listCustomerOrders'])
    await invoke(
      name,
      JSON.parse(readFileSync(`events/${name}.json`, 'utf8').replaceAll('order-1001', confirmed)),
      `${name} of ${confirmed}`,
    );

  // Each mapping under its own group: it reads its topic and writes a record that fails to its
  // on-failure destination, with its function's role.
  const runners = mappings.map(
    (mapping) =>
      new MappingRunner(
        {
          ...mapping,
          consumerGroupId: mapping.consumerGroupId.replace('-dev-', `-${RUN_STAGE}-`),
          startingPosition: 'LATEST',
          batchingWindowMs: 50,
          maximumRetryAttempts: 0,
        },
        {
          brokers,
          log: () => {},
          handler: async (event) => ({
            batchItemFailures: Object.values(event.records)
              .flat()
              .filter((record) => Buffer.from(record.key ?? '', 'base64').toString() === probeKey)
              .map((record) => ({ itemIdentifier: `${record.topic}-${record.partition}@${record.offset}` })),
          }),
        },
      ),
  );
  const probeKey = unique('iam-probe');
  await Promise.all(runners.map((runner) => runner.start()));
  const producer = new Kafka({ clientId: 'iam-probe', brokers, logLevel: logLevel.NOTHING }).producer();
  await producer.connect();
  try {
    for (const topic of new Set(mappings.map((mapping) => mapping.topic)))
      await producer.send({ topic, acks: -1, messages: [{ key: probeKey, value: '{}' }] });
  } finally {
    await producer.disconnect();
  }
  const written = await pollUntil(async () => runners.every((runner) => runner.stats.toDestination >= 1), {
    timeoutMs: 30_000,
  });
  await Promise.all(runners.map((runner) => runner.stop()));
  if (!written) problems.push('not every mapping wrote its on-failure destination');
}, 180_000);

afterAll(() => {
  for (const undo of restore.reverse()) undo();
});

describe('IAM simulation of each function role (the dev stage as packaged)', () => {
  it('allows every call each function and its mappings made, and what Lambda does with its role', async () => {
    // Prepare
    const roles = functionRoles(template);
    const functions = resourcesOfType(template, 'AWS::Lambda::Function');
    const mapped = new Set(mappingsFromTemplate(template, loadServerlessConfig()).map((m) => m.functionKey));
    const denied: string[] = [];
    let simulated = 0;

    // Act
    for (const [logicalId, fn] of functions) {
      const name = functionKeyOf(FUNCTION_KEYS, logicalId) ?? logicalId;
      const logGroup = `/aws/lambda/${String(fn.Properties?.FunctionName)}`;
      const calls = [
        ...(byFunction.get(name) ?? []),
        ...(byMapping.get(name) ?? []),
        ...runtimeCalls(logGroup, Boolean(fn.Properties?.VpcConfig), mapped.has(name)),
      ];
      const statements = roleStatements(template, roles[name] ?? '');
      const distinct = new Map(
        calls.map((call) => [`${call.action} ${call.resource} ${call.leadingKeys}`, call]),
      );
      for (const call of distinct.values()) {
        simulated++;
        if ((await decide(statements, call)) !== 'Allowed')
          denied.push(`${name}: ${call.action} on ${call.resource}`);
      }
    }
    console.log(
      `iam: ${simulated} distinct calls of ${functions.length} functions simulated, ${denied.length} denied; driven: ${JSON.stringify({ ...driven, messages: [...driven.messages] })}`,
    );

    // Assess
    expect(problems).toEqual([]);
    expect([...new Set(denied)]).toEqual([]);
    // Every function made calls of its own, every mapping read and wrote: no role passes for nothing.
    expect([...byFunction.keys()].sort()).toEqual(Object.keys(roles).sort());
    expect([...byMapping.keys()].sort()).toEqual([...mapped].sort());
    for (const [name, calls] of byMapping)
      expect(
        calls.map((call) => call.action),
        name,
      ).toEqual(
        expect.arrayContaining([
          'kafka-cluster:ReadData',
          'kafka-cluster:AlterGroup',
          'kafka-cluster:WriteData',
        ]),
      );
    // The paths beyond the sample events ran.
    expect(driven.overdueSwept).toBeGreaterThan(0);
    // compensations: a declined charge releases the stock, a cancellation refunds the charge
    expect([...driven.messages]).toEqual(
      expect.arrayContaining([
        'PaymentDeclined',
        'ReleaseStock',
        'RefundPayment',
        'PaymentRefunded',
        'DeadlineExpired',
      ]),
    );
    expect(driven.snapshots).toBeGreaterThan(0);
    expect(byFunction.get('sagaDeadlines')).toEqual(
      expect.arrayContaining([
        { action: 'kafka-cluster:WriteData', resource: cluster.topic('sagas.deadlines') },
        { action: 'kafka-cluster:WriteDataIdempotently', resource: cluster.cluster },
        { action: 'kafka:GetBootstrapBrokers', resource: '*' },
      ]),
    );
  });

  it('denies what a function must not do: writes from queries, changes to append-only tables, other tables, topics and groups, scans', async () => {
    const roles = functionRoles(template);
    const tables = Object.fromEntries(
      resourcesOfType(template, 'AWS::DynamoDB::Table').map(([id, table]) => [
        id,
        tableArn(table.Properties?.TableName),
      ]),
    );
    const forbidden: Array<[string, Call]> = [
      ['getOrder', { action: 'dynamodb:PutItem', resource: tables.OrderViewsTable ?? '' }],
      ['getOrder', { action: 'dynamodb:GetItem', resource: tables.PaymentsTable ?? '' }],
      ['getSaga', { action: 'dynamodb:UpdateItem', resource: tables.SagasTable ?? '' }],
      ['listOrderEvents', { action: 'dynamodb:DeleteItem', resource: tables.EventStoreTable ?? '' }],
      ['getOrderAsOf', { action: 'kafka-cluster:Connect', resource: cluster.cluster }],
      ['audit', { action: 'dynamodb:PutItem', resource: tables.EventStoreTable ?? '' }],
      // Append-only: the audit trail and the event store are inserted into, never changed
      ['audit', { action: 'dynamodb:UpdateItem', resource: tables.AuditTable ?? '' }],
      ['audit', { action: 'dynamodb:DeleteItem', resource: tables.AuditTable ?? '' }],
      ['orderCommands', { action: 'dynamodb:UpdateItem', resource: tables.EventStoreTable ?? '' }],
      ['orderCommands', { action: 'dynamodb:DeleteItem', resource: tables.EventStoreTable ?? '' }],
      ['audit', { action: 'kafka-cluster:WriteData', resource: cluster.topic('orders.events') }],
      ['audit', { action: 'kafka-cluster:ReadData', resource: cluster.topic('payments.commands') }],
      ['orderProjector', { action: 'kafka-cluster:WriteData', resource: cluster.topic('orders.commands') }],
      [
        'orderProjector',
        { action: 'kafka-cluster:AlterGroup', resource: cluster.group('kafka-patterns-dev-audit') },
      ],
      ['inventory', { action: 'dynamodb:PutItem', resource: tables.PaymentsTable ?? '' }],
      ['payments', { action: 'dynamodb:Scan', resource: tables.PaymentsTable ?? '' }],
      ['orderSaga', { action: 'kafka-cluster:ReadData', resource: cluster.topic('orders.commands') }],
      ['sagaDeadlines', { action: 'kafka-cluster:ReadData', resource: cluster.topic('orders.events') }],
    ];
    for (const [name, call] of forbidden)
      expect(
        await decide(roleStatements(template, roles[name] ?? ''), call),
        `${name}: ${call.action} ${call.resource}`,
      ).toBe('ImplicitlyDenied');
  });

  it("denies every consumer another consumer's idempotency markers (a marker's outbox is republished as stored)", async () => {
    // Prepare: every consumer against every other, with each write a marker can take
    const roles = functionRoles(template);
    const markers = tableArn(
      resourcesOfType(template, 'AWS::DynamoDB::Table').find(([id]) => id === 'IdempotencyTable')?.[1]
        .Properties?.TableName,
    );
    const consumers = ['audit', 'orderCommands', 'orderProjector', 'orderSaga', 'inventory', 'payments'];
    const outcomes: string[] = [];

    // Act
    for (const name of consumers) {
      const statements = roleStatements(template, roles[name] ?? '');
      for (const other of consumers) {
        for (const action of [
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          'dynamodb:DeleteItem',
          'dynamodb:GetItem',
        ]) {
          const call = { action, resource: markers, leadingKeys: [`${other}#order-1`] };
          outcomes.push(`${name} ${action} ${other}#… ${await decide(statements, call)}`);
        }
      }
      // A batch naming its own marker and another's is refused whole (ForAllValues).
      const mixed = {
        action: 'dynamodb:BatchGetItem',
        resource: markers,
        leadingKeys: [`${name}#a`, 'orderSaga#b'],
      };
      if (name !== 'orderSaga')
        outcomes.push(`${name} batch with orderSaga#… ${await decide(statements, mixed)}`);
    }

    // Assess
    const expected = outcomes.map((outcome) => {
      const [name = '', , key = ''] = outcome.split(' ');
      return outcome.includes('batch') || !key.startsWith(`${name}#`)
        ? outcome.replace(/\S+$/, 'ImplicitlyDenied')
        : outcome.replace(/\S+$/, 'Allowed');
    });
    expect(outcomes).toEqual(expected);
    expect(outcomes.filter((outcome) => outcome.endsWith('Allowed'))).toHaveLength(consumers.length * 4);
  });

  it('gives no ec2: action to a function outside a VPC (the HTTP queries, the deadline sweep)', () => {
    const roles = functionRoles(template);
    const functions = resourcesOfType(template, 'AWS::Lambda::Function');
    const outside = functions
      .filter(([, fn]) => !fn.Properties?.VpcConfig)
      .map(([id]) => functionKeyOf(FUNCTION_KEYS, id));
    expect(outside.length).toBeGreaterThan(0);
    for (const name of outside) {
      const actions = roleStatements(template, roles[name ?? ''] ?? '').flatMap(
        (statement) => statement.Action,
      );
      expect(
        actions.filter((action) => action.startsWith('ec2:')),
        `${name}`,
      ).toEqual([]);
    }
    const inside = functions
      .filter(([, fn]) => fn.Properties?.VpcConfig)
      .map(([id]) => functionKeyOf(FUNCTION_KEYS, id));
    for (const name of inside)
      expect(
        roleStatements(template, roles[name ?? ''] ?? '').flatMap((statement) => statement.Action),
      ).toContain('ec2:CreateNetworkInterface');
  });
});
