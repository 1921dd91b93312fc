import type { ClusterArns } from '@msk-patterns/serverless-plugin';
import type { KafkaRequest } from './kafka-wire.js';

/** One authorization a request needs: an IAM action on a resource ARN. */
export interface IamCall {
  action: string;
  resource: string;
}

type Resource = 'cluster' | 'topic' | 'group';

/**
 * What MSK's IAM access control checks for each Kafka API, kept once. Kafka authorizes each API as an
 * operation on a resource (Kafka's documentation, "Operations and Resources on Protocols":
 * https://kafka.apache.org/documentation/#operations_resources_and_protocols), and MSK names each
 * `kafka-cluster:` action as the equivalent of one of those ACLs — ReadData = READ TOPIC, WriteData =
 * WRITE TOPIC, DescribeTopic = DESCRIBE TOPIC, AlterGroup = READ GROUP, DescribeGroup = DESCRIBE GROUP,
 * WriteDataIdempotently = IDEMPOTENT_WRITE CLUSTER
 * (https://docs.aws.amazon.com/msk/latest/developerguide/kafka-actions.html). An API missing here fails
 * the simulation instead of passing unchecked.
 */
export const KAFKA_API_ACTIONS: Record<string, ReadonlyArray<readonly [action: string, on: Resource]>> = {
  ApiVersions: [],
  SaslHandshake: [],
  SaslAuthenticate: [],
  Produce: [['WriteData', 'topic']],
  Fetch: [['ReadData', 'topic']],
  ListOffsets: [['DescribeTopic', 'topic']],
  Metadata: [['DescribeTopic', 'topic']],
  OffsetCommit: [
    ['AlterGroup', 'group'],
    ['ReadData', 'topic'],
  ],
  OffsetFetch: [
    ['DescribeGroup', 'group'],
    ['DescribeTopic', 'topic'],
  ],
  FindCoordinator: [['DescribeGroup', 'group']],
  JoinGroup: [['AlterGroup', 'group']],
  Heartbeat: [['AlterGroup', 'group']],
  LeaveGroup: [['AlterGroup', 'group']],
  SyncGroup: [['AlterGroup', 'group']],
  DescribeGroups: [['DescribeGroup', 'group']],
  InitProducerId: [['WriteDataIdempotently', 'cluster']],
};

export class UnmappedKafkaApiError extends Error {
  override readonly name = 'UnmappedKafkaApiError';
}

/**
 * The IAM calls one request is authorized as, on the cluster `arns` names. Every connection is
 * authenticated first (`kafka-cluster:Connect` on the cluster); `rename` maps the names used locally
 * to the deployed ones (a stage's group names).
 */
export function iamCallsOf(
  request: KafkaRequest,
  arns: ClusterArns,
  rename: (name: string) => string = (name) => name,
): IamCall[] {
  const actions = KAFKA_API_ACTIONS[request.api];
  if (!actions) throw new UnmappedKafkaApiError(`no MSK IAM action known for Kafka ${request.api}`);
  if (request.api === 'InitProducerId' && request.transactionalId !== null)
    throw new UnmappedKafkaApiError('a transactional producer: the simulation knows only idempotent ones');
  const resources: Record<Resource, string[]> = {
    cluster: [arns.cluster],
    topic: request.topics.map((topic) => arns.topic(rename(topic))),
    group: request.groups.map((group) => arns.group(rename(group))),
  };
  return [
    ...(request.opensConnection ? [{ action: 'kafka-cluster:Connect', resource: arns.cluster }] : []),
    ...actions.flatMap(([action, on]) =>
      resources[on].map((resource) => ({ action: `kafka-cluster:${action}`, resource })),
    ),
  ];
}
