import { ClusterArnError } from './errors.js';
import type { Json } from './types.js';

/**
 * MSK IAM resource ARNs, derived from the cluster ARN
 * (https://docs.aws.amazon.com/msk/latest/developerguide/kafka-actions.html#msk-iam-resources):
 * cluster `arn:<partition>:kafka:<region>:<account>:cluster/<name>/<uuid>`, topic `…:topic/<name>/<uuid>/<topic>`,
 * group `…:group/<name>/<uuid>/<group>`.
 */
export interface ClusterArns {
  cluster: string;
  topic(name: string): string;
  group(name: string): string;
}

const CLUSTER_ARN = /^(arn:[\w-]+:kafka:[\w-]+:\d{12}:)cluster\/([\w-]+\/[\w-]+)$/;

/**
 * The ARNs MSK IAM policies name, derived from the cluster's.
 *
 * @param clusterArn - the cluster's ARN, from the mappings
 * @throws ClusterArnError when it is not an MSK cluster ARN
 * @example
 * ```ts
 * const arns = clusterArns('arn:aws:kafka:eu-west-1:123456789012:cluster/orders/4f1c…');
 * arns.topic('orders.events'); // arn:aws:kafka:eu-west-1:123456789012:topic/orders/4f1c…/orders.events
 * arns.group('payments');      // …:group/orders/4f1c…/payments
 * ```
 */
export function clusterArns(clusterArn: string): ClusterArns {
  const match = CLUSTER_ARN.exec(clusterArn);
  if (!match)
    throw new ClusterArnError(
      `${clusterArn} is not an MSK cluster ARN (arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>)`,
      { clusterArn },
    );
  const [, prefix, cluster] = match;
  return {
    cluster: clusterArn,
    topic: (name) => `${prefix}topic/${cluster}/${name}`,
    group: (name) => `${prefix}group/${cluster}/${name}`,
  };
}

export const getAtt = (logicalId: string, attribute: string): Json => ({
  'Fn::GetAtt': [logicalId, attribute],
});
export const ref = (logicalId: string): Json => ({ Ref: logicalId });

/** A DynamoDB table's indexes: `<table ARN>/index/*`. */
export const tableIndexes = (tableLogicalId: string): Json => ({
  'Fn::Join': ['/', [getAtt(tableLogicalId, 'Arn'), 'index', '*']],
});

/**
 * CloudFormation logical ids are alphanumeric: `orders.commands.dlq` → `OrdersCommandsDlq`.
 *
 * @param text - a name with dots or dashes
 */
export function logicalName(text: string): string {
  return text
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => `${part.charAt(0).toUpperCase()}${part.slice(1)}`)
    .join('');
}
