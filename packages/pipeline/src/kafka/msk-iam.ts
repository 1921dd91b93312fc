/**
 * MSK IAM access control for a client: the SASL/OAUTHBEARER token a broker accepts, and the cluster's
 * IAM bootstrap brokers. Both are one SigV4 signature — made with the signer, hash, HTTP handler and
 * credential chain the DynamoDB client already brings, instead of `aws-msk-iam-sasl-signer-js` and
 * `@aws-sdk/client-kafka`, which added 232 KB (a fifth of the bundle; STS, Cognito and SSO clients
 * among it) and ~12 ms to every MSK function's cold start (docs/aws-behaviours.md, "Cold starts").
 * test/unit/msk-iam.test.ts holds both to those libraries, byte for byte.
 */

import { formatUrl } from '@aws-sdk/core/util';
import { extendedEncodeURIComponent } from '@smithy/core/protocols';
import { Hash } from '@smithy/core/serde';
import { HttpRequest } from '@smithy/core/transport';
import { NodeHttpHandler, streamCollector } from '@smithy/node-http-handler';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import * as z from 'zod/mini';
import { PipelineError } from '../common/errors.js';
import { describeIssues } from '../contracts/issues.js';
import { KafkaConfigurationError } from './errors.js';

/** A token lives 15 minutes, or less when the credentials expire sooner. */
const TOKEN_LIFETIME_S = 900;
const SIGNING_SERVICE = 'kafka-cluster';
const CONNECT_ACTION = 'kafka-cluster:Connect';
/** What the token tells MSK about its client (the `User-Agent` query parameter). */
const MSK_IAM_USER_AGENT = 'msk-lambda-kafka-patterns/1';

const sha256 = Hash.bind(null, 'sha256');

/** A token for SASL/OAUTHBEARER and when it expires (epoch ms). */
export interface MskIamToken {
  token: string;
  expiresAt: number;
}

export interface MskIamTokenOptions {
  region: string;
  credentials: AwsCredentialIdentity;
  /** epoch ms; the signing time */
  now?: number;
  userAgent?: string;
}

/**
 * The token MSK's IAM access control reads: a URL for `kafka-cluster:Connect` on
 * `kafka.<region>.amazonaws.com`, presigned with SigV4 for the service `kafka-cluster`, its
 * `User-Agent` added after signing, base64url-encoded without padding.
 * https://docs.aws.amazon.com/msk/latest/developerguide/iam-access-control.html
 * https://github.com/aws/aws-msk-iam-sasl-signer-js (the reference implementation)
 *
 * @param options - the region and credentials to sign with
 * @example
 * ```ts
 * const { token, expiresAt } = await mskIamToken({ region: 'eu-west-1', credentials: await fromNodeProviderChain()() });
 * // the SASL/OAUTHBEARER token kafkajs sends; expiresAt in epoch ms
 * ```
 */
export async function mskIamToken(options: MskIamTokenOptions): Promise<MskIamToken> {
  const { region, credentials, now = Date.now(), userAgent = MSK_IAM_USER_AGENT } = options;
  const hostname = `kafka.${region}.amazonaws.com`;
  // SigV4 expiries are whole seconds (the reference signer passes a fraction through when the
  // credentials expire within 15 minutes).
  const lifetime = credentials.expiration
    ? Math.min(Math.floor((credentials.expiration.getTime() - now) / 1000), TOKEN_LIFETIME_S)
    : TOKEN_LIFETIME_S;
  if (lifetime < 1)
    throw new KafkaConfigurationError('the AWS credentials have expired: cannot sign an MSK IAM token');
  const signer = new SignatureV4({
    service: SIGNING_SERVICE,
    region,
    credentials,
    sha256,
    applyChecksum: false,
  });
  const presigned = await signer.presign(
    new HttpRequest({
      method: 'GET',
      protocol: 'https',
      hostname,
      path: '/',
      headers: { host: hostname },
      query: { Action: CONNECT_ACTION },
    }),
    { expiresIn: lifetime, signingDate: new Date(now) },
  );
  presigned.query = { ...presigned.query, 'User-Agent': userAgent };
  // X-Amz-Date has whole seconds: the token lives from the signing second on.
  const signedAt = Math.floor(now / 1000) * 1000;
  return {
    token: Buffer.from(formatUrl(presigned), 'utf8').toString('base64url'),
    expiresAt: signedAt + lifetime * 1000,
  };
}

/** Partitions' DNS suffixes, for the MSK API endpoint of a cluster ARN's partition. */
const DNS_SUFFIXES: Readonly<Record<string, string>> = {
  aws: 'amazonaws.com',
  'aws-cn': 'amazonaws.com.cn',
  'aws-us-gov': 'amazonaws.com',
};

export interface BootstrapBrokersOptions {
  credentials: AwsCredentialIdentityProvider;
  /** the MSK API's base URL; by default the regional endpoint of the ARN's partition */
  endpoint?: string;
  /** ms per request; the API answers in tens of ms */
  timeoutMs?: number;
}

/**
 * A cluster ARN's parts: `arn:<partition>:kafka:<region>:<account>:cluster/<name>/<uuid>`.
 *
 * @param clusterArn - an MSK cluster ARN
 * @example
 * ```ts
 * parseClusterArn('arn:aws:kafka:eu-west-1:123456789012:cluster/orders/4f1c'); // { partition: 'aws', region: 'eu-west-1' }
 * ```
 */
export function parseClusterArn(clusterArn: string): { partition: string; region: string } {
  const [prefix, partition = '', service, region = ''] = clusterArn.split(':');
  if (prefix !== 'arn' || service !== 'kafka' || !region || !DNS_SUFFIXES[partition])
    throw new KafkaConfigurationError(
      `MSK_CLUSTER_ARN=${clusterArn} is not an MSK cluster ARN of a supported partition (arn:aws|aws-cn|aws-us-gov:kafka:<region>:…)`,
    );
  return { partition, region };
}

/**
 * MSK answered GetBootstrapBrokers with an error. Carries the HTTP status and the error's type.
 * @example
 * ```ts
 * await bootstrapBrokers(clusterArn, { credentials });
 * // MskApiError (status 403, errorType 'AccessDeniedException') when the role lacks kafka:GetBootstrapBrokers
 * ```
 */
export class MskApiError extends PipelineError {
  override readonly name = 'MskApiError';
  /**
   * @param status - the HTTP status
   * @param errorType - the API's error type
   * @param message - its message
   */
  constructor(
    readonly status: number,
    readonly errorType: string,
    message: string,
  ) {
    super(`GetBootstrapBrokers answered ${status} ${errorType}: ${message}`, {
      context: { status, errorType },
    });
  }
}

/**
 * The cluster's IAM bootstrap brokers (`kafka:GetBootstrapBrokers`, member
 * `BootstrapBrokerStringSaslIam`), as `@aws-sdk/client-kafka` asks: one SigV4-signed GET.
 * https://docs.aws.amazon.com/msk/1.0/apireference/clusters-clusterarn-bootstrap-brokers.html
 *
 * @param clusterArn - the MSK cluster
 * @param options - credentials, region and endpoint of the MSK API
 * @example
 * ```ts
 * const brokers = await bootstrapBrokers(process.env.MSK_CLUSTER_ARN, { credentials: fromNodeProviderChain() });
 * // ['b-1.orders.abc123.c2.kafka.eu-west-1.amazonaws.com:9098', …]
 * ```
 */
export async function bootstrapBrokers(
  clusterArn: string,
  options: BootstrapBrokersOptions,
): Promise<string[]> {
  const { partition, region } = parseClusterArn(clusterArn);
  const endpoint = new URL(options.endpoint ?? `https://kafka.${region}.${DNS_SUFFIXES[partition]}`);
  const signer = new SignatureV4({ service: 'kafka', region, credentials: options.credentials, sha256 });
  const request = await signer.sign(
    new HttpRequest({
      method: 'GET',
      protocol: endpoint.protocol,
      hostname: endpoint.hostname,
      ...(endpoint.port ? { port: Number(endpoint.port) } : {}),
      path: `/v1/clusters/${extendedEncodeURIComponent(clusterArn)}/bootstrap-brokers`,
      headers: { host: endpoint.host, accept: 'application/json' },
    }),
  );
  const handler = new NodeHttpHandler({ requestTimeout: options.timeoutMs ?? 5_000 });
  try {
    const { response } = await handler.handle(new HttpRequest(request));
    const body = Buffer.from(await streamCollector(response.body)).toString('utf8');
    if (response.statusCode !== 200) {
      const errorType =
        (response.headers['x-amzn-errortype'] ?? 'UnknownError').split(':')[0] ?? 'UnknownError';
      const answer = z.safeParse(errorAnswer, parseJson(body));
      throw new MskApiError(response.statusCode, errorType, answer.data?.message ?? 'no message');
    }
    const answer = z.safeParse(brokersAnswer, parseJson(body));
    if (!answer.success)
      throw new MskApiError(response.statusCode, 'UnexpectedAnswer', describeIssues(answer.error));
    const list = splitBrokers(answer.data.bootstrapBrokerStringSaslIam);
    if (list.length === 0)
      throw new KafkaConfigurationError(
        `cluster ${clusterArn} has no IAM bootstrap brokers: turn on IAM access control on the cluster`,
      );
    return list;
  } finally {
    handler.destroy();
  }
}

/** The members of GetBootstrapBrokers' answers that are read (REST JSON, lower-camel member names). */
const brokersAnswer = z.object({ bootstrapBrokerStringSaslIam: z.optional(z.string()) });
const errorAnswer = z.object({ message: z.optional(z.string()) });

function parseJson(body: string): unknown {
  try {
    return body ? JSON.parse(body) : {};
  } catch {
    return undefined;
  }
}

/**
 * `host:port,host:port` → a list, blanks dropped.
 *
 * @param list - `host:port,…` as MSK returns it
 */
export function splitBrokers(list: string | undefined): string[] {
  return (list ?? '')
    .split(',')
    .map((broker) => broker.trim())
    .filter(Boolean);
}
