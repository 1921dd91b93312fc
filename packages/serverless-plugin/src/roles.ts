import {
  deadLetterTopic,
  IDEMPOTENCY_TABLE_VARIABLE,
  TABLE_ACCESS,
  type TableAccess,
} from '@msk-patterns/pipeline';
import type { ClusterArns } from './arns.js';
import { getAtt, tableIndexes } from './arns.js';
import type { FunctionDeclaration } from './declarations.js';
import { UndeclaredTableError } from './errors.js';
import type { Json, Resource, Statement } from './types.js';

/**
 * The IAM actions behind the DynamoDB calls the code makes. TransactWriteItems and BatchGetItem have
 * no action of their own beyond the batch read: IAM checks each item's Put/Update/Delete/ConditionCheck
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis-iam.html).
 */
export const DYNAMODB_ACTIONS: Record<TableAccess, readonly string[]> = {
  [TABLE_ACCESS.read]: [
    'dynamodb:GetItem',
    'dynamodb:BatchGetItem',
    'dynamodb:Query',
    'dynamodb:ConditionCheckItem',
  ],
  [TABLE_ACCESS.insert]: [
    'dynamodb:GetItem',
    'dynamodb:BatchGetItem',
    'dynamodb:Query',
    'dynamodb:ConditionCheckItem',
    'dynamodb:PutItem',
  ],
  [TABLE_ACCESS.write]: [
    'dynamodb:GetItem',
    'dynamodb:BatchGetItem',
    'dynamodb:Query',
    'dynamodb:ConditionCheckItem',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
  ],
};

const DYNAMODB_SIDS = {
  [TABLE_ACCESS.read]: 'DynamoDbRead',
  [TABLE_ACCESS.insert]: 'DynamoDbInsert',
  [TABLE_ACCESS.write]: 'DynamoDbReadWrite',
} as const satisfies Record<TableAccess, string>;

/**
 * Lambda creates and removes the network interfaces of a function in a VPC with its execution role;
 * these actions have no resource-level scope
 * (https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html#configuration-vpc-permissions).
 */
const VPC_ACTIONS = [
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSubnets',
  'ec2:DescribeSecurityGroups',
  'ec2:DescribeVpcs',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
];

/** One function as the role builder sees it. */
export interface RoleInput {
  functionLogicalId: string;
  logGroupLogicalId: string;
  declaration: FunctionDeclaration;
  /** table environment variable → the table's logical id in the template */
  tables: Record<string, string>;
  inVpc: boolean;
  /** consumer groups of the function's event source mappings */
  groups: readonly string[];
  cluster: ClusterArns;
}

function kafkaStatements({ declaration, groups, cluster }: RoleInput): Statement[] {
  const consumes = declaration.consumes ?? [];
  const writes = [...new Set([...declaration.publishes, ...consumes.map(deadLetterTopic)])];
  if (consumes.length === 0 && writes.length === 0) return [];
  const statements: Statement[] = [
    {
      Sid: 'KafkaBootstrapBrokers',
      Effect: 'Allow',
      // The publisher's broker discovery and the mapping's. GetBootstrapBrokers has no resource type in
      // the Service Authorization Reference: it can only be granted on "*"
      // (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonmanagedstreamingforapachekafka.html).
      Action: ['kafka:GetBootstrapBrokers'],
      Resource: ['*'],
    },
    {
      Sid: 'KafkaCluster',
      Effect: 'Allow',
      // DescribeClusterV2 and DescribeClusterDynamicConfiguration: the mapping's (AWSLambdaMSKExecutionRole,
      // narrowed to the cluster).
      Action: [
        'kafka-cluster:Connect',
        ...(consumes.length > 0
          ? ['kafka:DescribeClusterV2', 'kafka-cluster:DescribeClusterDynamicConfiguration']
          : []),
        // The publisher is idempotent: InitProducerId needs WriteDataIdempotently on the cluster.
        ...(writes.length > 0 ? ['kafka-cluster:WriteDataIdempotently'] : []),
      ],
      Resource: [cluster.cluster],
    },
  ];
  if (consumes.length > 0) {
    statements.push(
      {
        Sid: 'KafkaConsume',
        Effect: 'Allow',
        Action: ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'],
        Resource: consumes.map(cluster.topic),
      },
      {
        Sid: 'KafkaConsumerGroups',
        Effect: 'Allow',
        Action: ['kafka-cluster:DescribeGroup', 'kafka-cluster:AlterGroup'],
        Resource: groups.map(cluster.group),
      },
    );
  }
  if (writes.length > 0) {
    // What it publishes, and the dead-letter topics of what it consumes: its own dead letters and the
    // mapping's `kafka://` on-failure destination, which Lambda writes with this role.
    statements.push({
      Sid: 'KafkaProduce',
      Effect: 'Allow',
      Action: ['kafka-cluster:DescribeTopic', 'kafka-cluster:WriteData'],
      Resource: writes.map(cluster.topic),
    });
  }
  return statements;
}

function dynamoDbStatements({ declaration, tables, functionLogicalId }: RoleInput): Statement[] {
  const byAccess = new Map<TableAccess, Json[]>();
  const statements: Statement[] = [];
  for (const [variable, access] of Object.entries(declaration.tables)) {
    if (!access) continue;
    const table = tables[variable];
    if (!table)
      throw new UndeclaredTableError(
        `${functionLogicalId} declares ${variable}, which names no table of serverless.yml (provider.environment)`,
        { function: functionLogicalId, table: variable },
      );
    if (variable === IDEMPOTENCY_TABLE_VARIABLE && declaration.consumer) {
      statements.push(idempotencyMarkers(declaration.consumer, getAtt(table, 'Arn'), access));
      continue;
    }
    byAccess.set(access, [...(byAccess.get(access) ?? []), getAtt(table, 'Arn'), tableIndexes(table)]);
  }
  return [
    ...[...byAccess].map(
      ([access, resources]): Statement => ({
        Sid: DYNAMODB_SIDS[access],
        Effect: 'Allow',
        Action: [...DYNAMODB_ACTIONS[access]],
        Resource: resources,
      }),
    ),
    ...statements,
  ];
}

/**
 * A consumer's idempotency markers, and no one else's. Markers are keyed `<consumer>#<message key>`
 * in one table; a marker holds the outbox its consumer republishes on a duplicate delivery, so a role
 * that could write another consumer's markers could make that consumer publish what it chose. The
 * condition limits every item the role reads or writes to its own partition keys
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html:
 * `dynamodb:LeadingKeys`, `ForAllValues`: every key of a batch or transaction must match).
 */
function idempotencyMarkers(consumer: string, table: Json, access: TableAccess): Statement {
  return {
    Sid: 'IdempotencyMarkersOfItsOwn',
    Effect: 'Allow',
    Action: [...DYNAMODB_ACTIONS[access]],
    Resource: [table],
    Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${consumer}#*`] } },
  };
}

/**
 * The execution role of one function: its logs, its network, its tables and its topics, nothing else.
 *
 * @param input - the function, its declaration, its tables, groups and cluster
 */
export function functionRole(input: RoleInput): Resource {
  const statements: Statement[] = [
    {
      Sid: 'Logs',
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: [getAtt(input.logGroupLogicalId, 'Arn')],
    },
    ...(input.inVpc ? [{ Sid: 'Vpc', Effect: 'Allow' as const, Action: VPC_ACTIONS, Resource: ['*'] }] : []),
    ...dynamoDbStatements(input),
    ...kafkaStatements(input),
  ];
  return {
    Type: 'AWS::IAM::Role',
    Properties: {
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: ['lambda.amazonaws.com'] }, Action: ['sts:AssumeRole'] },
        ],
      },
      Policies: [
        {
          PolicyName: 'function',
          PolicyDocument: { Version: '2012-10-17', Statement: statements },
        },
      ],
    },
  };
}
