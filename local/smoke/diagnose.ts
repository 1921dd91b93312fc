import type { KafkaConfig } from 'kafkajs';

/**
 * A smoke run that could not do its work, saying what a first deploy most likely got wrong and the
 * fix; the CLI prints it and exits 1.
 */
export class SmokeError extends Error {
  override readonly name = 'SmokeError';

  /**
   * @param message - what failed
   * @param fix - what to do about it
   */
  constructor(
    message: string,
    readonly fix: string,
  ) {
    super(message);
  }
}

/** What the smoke run was doing when it failed, for the message. */
export interface KafkaStep {
  /** e.g. `produce to orders.commands` */
  doing: string;
  /** the topic, when the step has one */
  topic?: string | undefined;
  /** the cluster's ARN, on a stage */
  clusterArn?: string | undefined;
  brokers: KafkaConfig['brokers'];
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNRESET',
]);

/** The error and its causes, outermost first (kafkajs wraps the one that matters). */
function chain(error: unknown): Array<{ name: string; message: string; type: string; code: string }> {
  const found: Array<{ name: string; message: string; type: string; code: string }> = [];
  let current: unknown = error;
  for (let depth = 0; depth < 6 && typeof current === 'object' && current !== null; depth++) {
    const node: object = current;
    const field = (name: string) => String(Reflect.get(node, name) ?? '');
    found.push({ name: field('name'), message: field('message'), type: field('type'), code: field('code') });
    current = Reflect.get(node, 'cause') ?? Reflect.get(node, 'originalError');
  }
  return found;
}

/** A topic's ARN, from the cluster's (kafka-cluster actions name topics so). */
function topicArn(clusterArn: string, topic: string): string {
  return `${clusterArn.replace(':cluster/', ':topic/')}/${topic}`;
}

/**
 * Name what a Kafka failure means for a first deploy: no route to the brokers, IAM denied (which
 * action on which resource), a topic missing — or rethrow it as it is.
 *
 * @param error - what kafkajs threw
 * @param step - what the run was doing, where
 */
export function kafkaFailure(error: unknown, step: KafkaStep): SmokeError {
  const causes = chain(error);
  const text = causes
    .map((cause) => `${cause.name} ${cause.message} ${cause.type} ${cause.code}`)
    .join(' | ');
  const where =
    typeof step.brokers === 'function'
      ? 'the brokers MSK names for the cluster'
      : `the brokers ${step.brokers.join(', ')}`;
  const cluster = step.clusterArn ?? '<cluster ARN>';
  if (/UNKNOWN_TOPIC_OR_PARTITION|does not host this topic-partition|This server does not host/i.test(text))
    return new SmokeError(
      `${step.doing}: the topic ${step.topic ?? ''} does not exist`,
      'deploy with the stack creating its topics (the default), or create them yourself with the partitions and configs docs/deployment.md lists ("Topics") when --param="createTopics=false"',
    );
  if (/TOPIC_AUTHORIZATION_FAILED|Not authorized to access topics/i.test(text))
    return new SmokeError(
      `${step.doing}: IAM denied ${step.doing.startsWith('produce') ? 'kafka-cluster:WriteData' : 'kafka-cluster:ReadData'} on ${step.topic ? topicArn(cluster, step.topic) : 'the topic'}`,
      'allow your principal kafka-cluster:DescribeTopic and that action on the topic (the README, "Deploy to AWS", lists what the operator tools need)',
    );
  if (/GROUP_AUTHORIZATION_FAILED/i.test(text))
    return new SmokeError(
      `${step.doing}: IAM denied kafka-cluster:DescribeGroup/AlterGroup on this run's consumer group`,
      `allow your principal kafka-cluster:DescribeGroup and kafka-cluster:AlterGroup on ${cluster.replace(':cluster/', ':group/')}/dlq-tool-*`,
    );
  if (
    /SASL|Authentication failed|CLUSTER_AUTHORIZATION_FAILED|AccessDenied|not authorized to perform/i.test(
      text,
    )
  )
    return new SmokeError(
      `${step.doing}: IAM denied kafka-cluster:Connect on ${cluster}`,
      'allow your principal kafka-cluster:Connect on the cluster (and kafka:GetBootstrapBrokers, which names the brokers); check that the cluster has IAM access control on',
    );
  const network = causes.find((cause) => NETWORK_CODES.has(cause.code));
  if (network || /KafkaJSConnectionError|Connection timeout|connect ETIMEDOUT|getaddrinfo/i.test(text))
    return new SmokeError(
      `${step.doing}: no route to ${where} (${network?.code ?? 'connection failed'})`,
      "MSK brokers are reachable only inside the cluster's VPC: run the smoke test from there (an instance in its subnets, a bastion or a VPN), with the cluster's security group admitting you on TCP 9098",
    );
  return new SmokeError(
    `${step.doing}: ${error instanceof Error ? error.message : String(error)}`,
    'see the error above',
  );
}

/**
 * The query API refused the caller.
 *
 * @param path - the route asked
 * @param apiUrl - the API's address
 */
export function apiForbidden(path: string, apiUrl: string): SmokeError {
  const host = new URL(apiUrl).hostname;
  const [apiId = '<api-id>', , region = '<region>'] = host.split('.');
  return new SmokeError(
    `the query API answered 403 to GET ${path}`,
    `allow your principal execute-api:Invoke on arn:aws:execute-api:${region}:<account>:${apiId}/*/GET/* (the routes use authorizer aws_iam); check that your credentials are for the stage's account`,
  );
}

/**
 * A DynamoDB request the smoke run makes with the caller's credentials failed: access denied names
 * the action and the table; anything else is passed on as it is.
 *
 * @param error - what the SDK threw
 * @param table - the table the run wrote to
 */
export function tableFailure(error: unknown, table: string): Error {
  const name = error instanceof Error ? error.name : '';
  if (name === 'AccessDeniedException')
    return new SmokeError(
      `put the smoke SKU's units on the shelf: IAM denied dynamodb:UpdateItem on the table ${table}`,
      'allow your principal dynamodb:UpdateItem on the inventory table (the smoke run writes only its own SKU, smoke-sku)',
    );
  if (name === 'ResourceNotFoundException')
    return new SmokeError(`the table ${table} does not exist here`, 'deploy the stage, and check the region');
  return error instanceof Error ? error : new Error(String(error));
}
