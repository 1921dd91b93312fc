import { readdirSync, readFileSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import type { Context } from 'aws-lambda';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { clusterArns } from '../../deploy/arns.js';
import { functionKeyOf } from '../../deploy/naming.js';
import type { Statement, Template } from '../../deploy/types.js';
import { deadLetterTopic } from '../../lib/contracts/topics.js';
import { getPublisher, type OutgoingRecord } from '../../lib/kafka/producer.js';
import { dynamoDbConfig, getDocumentClient } from '../../lib/store/dynamodb.js';
import { loadHandler } from '../../local/emulator/index.js';
import { loadServerlessConfig } from '../../local/infra/serverless-config.js';
import { createDeclaredTables } from '../../local/infra/tables.js';
import { lambdaContext } from '../../local/runner/lambda-context.js';
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
 * calls each function really makes: every function runs on its sample events against DynamoDB Local
 * and the broker while every DynamoDB request and every published record is recorded; its mappings'
 * reads and on-failure writes come from the packaged template. All must be Allowed; what a function
 * must not do must be Denied.
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
 * The functions run on tables of their own stage (`iam`), so that their sample events touch nothing the
 * other tests use; the calls are simulated on the packaged dev stage's tables of the same name.
 */
const RUN_STAGE = 'iam';
const tableArn = (name: unknown) =>
  `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${String(name).replace(`-${RUN_STAGE}-`, '-dev-')}`;

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
  throw new Error(`no IAM mapping for DynamoDB ${command}`);
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

const byFunction = new Map<string, Call[]>();
let template: Template;

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
  const cluster = clusterArns(
    String(resourcesOfType(template, 'AWS::MSK::Topic')[0]?.[1].Properties?.ClusterArn),
  );
  let current = '';
  const record = (calls: Call[]) => byFunction.set(current, [...(byFunction.get(current) ?? []), ...calls]);

  // Record every DynamoDB request the functions' shared client sends, and every record they publish.
  getDocumentClient().middlewareStack.add(
    (next, context) => async (args) => {
      record(dynamoDbCalls(context.commandName ?? '', args.input as Record<string, unknown>));
      return next(args);
    },
    { step: 'initialize', name: 'recordForIamSimulation' },
  );
  const publisher = getPublisher();
  const publish = publisher.publish.bind(publisher);
  publisher.publish = async (records: readonly OutgoingRecord[]) => {
    // The deployed producer is idempotent and finds its brokers through the cluster ARN.
    record([
      // GetBootstrapBrokers has no resource type: IAM evaluates it on "*".
      { action: 'kafka:GetBootstrapBrokers', resource: '*' },
      { action: 'kafka-cluster:Connect', resource: cluster.cluster },
      { action: 'kafka-cluster:WriteDataIdempotently', resource: cluster.cluster },
      ...records.flatMap(({ topic }) => [
        { action: 'kafka-cluster:DescribeTopic', resource: cluster.topic(topic) },
        { action: 'kafka-cluster:WriteData', resource: cluster.topic(topic) },
      ]),
    ]);
    await publish(records);
  };

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
  const client = new DynamoDBClient(dynamoDbConfig());
  await createDeclaredTables(client, config).finally(() => client.destroy());
  for (const [variable, value] of Object.entries(config.provider.environment ?? {}))
    if (variable.endsWith('_TABLE')) process.env[variable] = value;

  const events = readdirSync('events');
  for (const [name, fn] of Object.entries(config.functions)) {
    current = name;
    const handler = await loadHandler<(event: unknown, context: Context) => Promise<unknown>>(fn.handler);
    for (const file of events.filter((file) => file === `${name}.json` || file.startsWith(`${name}-`)))
      await handler(JSON.parse(readFileSync(`events/${file}`, 'utf8')), lambdaContext(name, 60));
  }

  // What each mapping does with its function's role: read its topic as its group, write the destination.
  for (const [, mapping] of resourcesOfType(template, 'AWS::Lambda::EventSourceMapping')) {
    const properties = mapping.Properties ?? {};
    const [topic = ''] = properties.Topics as string[];
    const group = (properties.AmazonManagedKafkaEventSourceConfig as { ConsumerGroupId: string })
      .ConsumerGroupId;
    const target = (properties.FunctionName as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
    current = functionKeyOf(FUNCTION_KEYS, target) ?? target;
    record([
      { action: 'kafka:GetBootstrapBrokers', resource: '*' },
      { action: 'kafka:DescribeClusterV2', resource: cluster.cluster },
      { action: 'kafka-cluster:Connect', resource: cluster.cluster },
      { action: 'kafka-cluster:DescribeClusterDynamicConfiguration', resource: cluster.cluster },
      { action: 'kafka-cluster:DescribeTopic', resource: cluster.topic(topic) },
      { action: 'kafka-cluster:ReadData', resource: cluster.topic(topic) },
      { action: 'kafka-cluster:DescribeGroup', resource: cluster.group(group) },
      { action: 'kafka-cluster:AlterGroup', resource: cluster.group(group) },
      { action: 'kafka-cluster:WriteData', resource: cluster.topic(deadLetterTopic(topic)) },
    ]);
  }
}, 120_000);

describe('IAM simulation of each function role (the dev stage as packaged)', () => {
  it('allows every call each function made on its sample events, and every call of its mappings', async () => {
    const roles = functionRoles(template);
    const denied: string[] = [];
    let simulated = 0;
    for (const [name, calls] of byFunction) {
      const statements = roleStatements(template, roles[name] ?? '');
      const unique = [...new Map(calls.map((call) => [`${call.action} ${call.resource}`, call])).values()];
      for (const call of unique) {
        simulated++;
        if ((await decide(statements, call)) !== 'Allowed')
          denied.push(`${name}: ${call.action} on ${call.resource}`);
      }
    }
    console.log(
      `iam: ${simulated} distinct calls of ${byFunction.size} functions simulated, ${denied.length} denied`,
    );
    expect(denied).toEqual([]);
    // Every function ran: a role that was never exercised would pass for nothing.
    expect([...byFunction.keys()].sort()).toEqual(Object.keys(roles).sort());
    expect(byFunction.get('orderCommands')).toEqual(
      expect.arrayContaining([expect.objectContaining({ action: 'kafka-cluster:WriteData' })]),
    );
  });

  it('denies what a function must not do: writes from queries, changes to append-only tables, other tables, topics and groups, scans', async () => {
    const roles = functionRoles(template);
    const cluster = clusterArns(
      String(resourcesOfType(template, 'AWS::MSK::Topic')[0]?.[1].Properties?.ClusterArn),
    );
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
