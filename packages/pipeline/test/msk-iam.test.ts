import { createHash, createHmac } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetBootstrapBrokersCommand, KafkaClient } from '@aws-sdk/client-kafka';
import { generateAuthTokenFromCredentialsProvider } from 'aws-msk-iam-sasl-signer-js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  bootstrapBrokers,
  KafkaConfigurationError,
  MskApiError,
  mskIamToken,
  parseClusterArn,
} from '../src/index.js';

const credentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  sessionToken: 'session/token+with=odd&characters',
};
const signingTime = Date.UTC(2026, 10, 22, 18, 30, 5, 250);
const clusterArn =
  'arn:aws:kafka:eu-west-1:123456789012:cluster/orders/5a1b2c3d-0000-4e5f-a6b7-c8d9e0f1a2b3-2';

const tokenUrl = (token: string) => new URL(Buffer.from(token, 'base64url').toString('utf8'));

describe('mskIamToken', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('is the token of the reference signer (aws-msk-iam-sasl-signer-js) for the same credentials and clock', async () => {
    // Prepare: the reference reads the clock itself.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(signingTime);
    const reference = await generateAuthTokenFromCredentialsProvider({
      region: 'eu-west-1',
      awsCredentialsProvider: async () => credentials,
    });
    const userAgent = tokenUrl(reference.token).searchParams.get('User-Agent') ?? '';

    // Act
    const ours = await mskIamToken({ region: 'eu-west-1', credentials, now: signingTime, userAgent });

    // Assess: byte for byte, and the same expiry.
    expect(userAgent).toMatch(/^aws-msk-iam-sasl-signer-js\//);
    expect(ours.token).toBe(reference.token);
    expect(ours.expiresAt).toBe(reference.expiryTime);
  });

  it('presigns kafka-cluster:Connect for 15 minutes, with the session token and our user agent', async () => {
    const { token, expiresAt } = await mskIamToken({ region: 'eu-west-1', credentials, now: signingTime });

    const url = tokenUrl(token);
    expect(token).not.toMatch(/[+/=]/);
    expect(url.host).toBe('kafka.eu-west-1.amazonaws.com');
    expect(url.searchParams.get('Action')).toBe('kafka-cluster:Connect');
    expect(url.searchParams.get('X-Amz-Credential')).toBe(
      'AKIDEXAMPLE/20261122/eu-west-1/kafka-cluster/aws4_request',
    );
    expect(url.searchParams.get('X-Amz-Date')).toBe('20261122T183005Z');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('900');
    expect(url.searchParams.get('X-Amz-Security-Token')).toBe(credentials.sessionToken);
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('host');
    expect(url.searchParams.get('User-Agent')).toBe('msk-lambda-kafka-patterns/1');
    expect(expiresAt).toBe(Date.UTC(2026, 10, 22, 18, 45, 5));
  });

  it('lives no longer than the credentials, in whole seconds (SigV4 X-Amz-Expires is an integer)', async () => {
    const expiring = { ...credentials, expiration: new Date(signingTime + 300_700) };

    const { token, expiresAt } = await mskIamToken({
      region: 'eu-west-1',
      credentials: expiring,
      now: signingTime,
    });

    expect(tokenUrl(token).searchParams.get('X-Amz-Expires')).toBe('300');
    expect(expiresAt).toBe(Date.UTC(2026, 10, 22, 18, 35, 5));
  });

  it('refuses to sign with expired credentials', async () => {
    const expired = { ...credentials, expiration: new Date(signingTime - 1) };

    await expect(
      mskIamToken({ region: 'eu-west-1', credentials: expired, now: signingTime }),
    ).rejects.toThrow(KafkaConfigurationError);
  });
});

interface Captured {
  method: string | undefined;
  url: string | undefined;
  headers: IncomingHttpHeaders;
}

/** A loopback HTTP server standing in for the MSK API: records each request, answers with `reply`. */
async function mskApi(reply: { status: number; headers?: Record<string, string>; body: string }) {
  const requests: Captured[] = [];
  const server = createServer((request, response) => {
    requests.push({ method: request.method, url: request.url, headers: request.headers });
    request.resume();
    response.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
    response.end(reply.body);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** RFC 3986 encoding, as SigV4 wants each segment of the canonical URI. */
const rfc3986 = (text: string) =>
  encodeURIComponent(text).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * The SigV4 signature a request as received should carry, computed here from AWS's documented steps
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html) with node:crypto alone —
 * not with the signer the code uses: canonical request (method, the path's segments encoded again,
 * no query, the signed headers, the payload hash), string to sign, the HMAC chain of the signing key.
 */
function expectedSignature(request: Captured, secret: string, body = ''): string {
  const authorization = request.headers.authorization ?? '';
  const signedHeaders = /SignedHeaders=([^,]+)/.exec(authorization)?.[1] ?? '';
  const scope = /Credential=[^/]+\/([^,]+)/.exec(authorization)?.[1] ?? '';
  const [date = '', region = '', service = ''] = scope.split('/');
  const amzDate = String(request.headers['x-amz-date']);
  const [path = ''] = (request.url ?? '').split('?');
  const canonicalHeaders = signedHeaders
    .split(';')
    .map(
      (name) =>
        `${name}:${String(request.headers[name] ?? '')
          .trim()
          .replace(/\s+/g, ' ')}\n`,
    )
    .join('');
  const payloadHash = createHash('sha256').update(body).digest('hex');
  const canonicalRequest = [
    request.method,
    path.split('/').map(rfc3986).join('/'),
    '',
    canonicalHeaders,
    signedHeaders,
    String(request.headers['x-amz-content-sha256'] ?? payloadHash),
  ].join('\n');
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    amzDate,
    scope,
    createHash('sha256').update(canonicalRequest).digest('hex'),
  ].join('\n');
  const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
  return createHmac('sha256', signingKey).update(stringToSign).digest('hex');
}

/** The credential scope of a SigV4 Authorization header: key id, date, region, service. */
const scopeOf = (headers: IncomingHttpHeaders) => /Credential=([^,]+)/.exec(headers.authorization ?? '')?.[1];

describe('bootstrapBrokers', () => {
  const iamBrokers =
    'b-1.orders.abc.c2.kafka.eu-west-1.amazonaws.com:9098,b-2.orders.abc.c2.kafka.eu-west-1.amazonaws.com:9098';

  it('asks what @aws-sdk/client-kafka asks (GetBootstrapBrokers) and reads the IAM brokers from the answer', async () => {
    // Prepare
    const api = await mskApi({
      status: 200,
      body: JSON.stringify({ bootstrapBrokerStringSaslIam: iamBrokers }),
    });
    try {
      const sdk = new KafkaClient({ region: 'eu-west-1', endpoint: api.endpoint, credentials });
      const answer = await sdk.send(new GetBootstrapBrokersCommand({ ClusterArn: clusterArn }));
      sdk.destroy();

      // Act
      const ours = await bootstrapBrokers(clusterArn, {
        credentials: async () => credentials,
        endpoint: api.endpoint,
      });

      // Assess: the same request line (the ARN escaped as the SDK escapes it), signed for the same scope.
      const [fromSdk, fromUs] = api.requests;
      expect(fromUs?.method).toBe(fromSdk?.method);
      expect(fromUs?.url).toBe(fromSdk?.url);
      expect(fromUs?.url).toBe(`/v1/clusters/${encodeURIComponent(clusterArn)}/bootstrap-brokers`);
      expect(scopeOf(fromUs?.headers ?? {})).toBe(scopeOf(fromSdk?.headers ?? {}));
      expect(scopeOf(fromUs?.headers ?? {})).toMatch(/^AKIDEXAMPLE\/\d{8}\/eu-west-1\/kafka\/aws4_request$/);
      expect(fromUs?.headers['x-amz-security-token']).toBe(credentials.sessionToken);
      // The signature itself, recomputed from the request as it arrived: valid for what was sent, the
      // host and the session token signed with it. The SDK's request passes the same check.
      const signatureOf = (request: Captured | undefined) =>
        /Signature=([0-9a-f]{64})/.exec(request?.headers.authorization ?? '')?.[1];
      expect(/SignedHeaders=[^,]*host/.test(fromUs?.headers.authorization ?? '')).toBe(true);
      expect(/SignedHeaders=[^,]*x-amz-security-token/.test(fromUs?.headers.authorization ?? '')).toBe(true);
      expect(signatureOf(fromUs)).toBe(expectedSignature(fromUs as Captured, credentials.secretAccessKey));
      expect(signatureOf(fromSdk)).toBe(expectedSignature(fromSdk as Captured, credentials.secretAccessKey));
      expect(ours).toEqual(answer.BootstrapBrokerStringSaslIam?.split(','));
    } finally {
      await api.close();
    }
  });

  it('reports an error answer with its status and type, not as an empty broker list', async () => {
    const api = await mskApi({
      status: 403,
      headers: { 'x-amzn-errortype': 'ForbiddenException:http://internal.amazon.com/coral/' },
      body: JSON.stringify({ message: 'not authorized to perform kafka:GetBootstrapBrokers' }),
    });
    try {
      const asking = bootstrapBrokers(clusterArn, {
        credentials: async () => credentials,
        endpoint: api.endpoint,
      });

      await expect(asking).rejects.toThrow(MskApiError);
      await expect(asking).rejects.toMatchObject({ status: 403, errorType: 'ForbiddenException' });
      await expect(asking).rejects.toThrow(/kafka:GetBootstrapBrokers/);
    } finally {
      await api.close();
    }
  });

  it('refuses an answer that is not the API JSON (a proxy page) instead of reading no brokers from it', async () => {
    const api = await mskApi({ status: 200, body: '<html>gateway</html>' });
    try {
      await expect(
        bootstrapBrokers(clusterArn, { credentials: async () => credentials, endpoint: api.endpoint }),
      ).rejects.toMatchObject({ name: 'MskApiError', errorType: 'UnexpectedAnswer' });
    } finally {
      await api.close();
    }
  });

  it('says how to fix a cluster without IAM access control', async () => {
    const api = await mskApi({ status: 200, body: JSON.stringify({ bootstrapBrokerStringTls: 'b-1:9094' }) });
    try {
      await expect(
        bootstrapBrokers(clusterArn, { credentials: async () => credentials, endpoint: api.endpoint }),
      ).rejects.toThrow(/turn on IAM access control/);
    } finally {
      await api.close();
    }
  });
});

describe('parseClusterArn', () => {
  it('reads the partition and region, and refuses what is not an MSK cluster ARN', () => {
    expect(parseClusterArn('arn:aws-cn:kafka:cn-north-1:123456789012:cluster/a/b')).toEqual({
      partition: 'aws-cn',
      region: 'cn-north-1',
    });
    expect(() => parseClusterArn('arn:aws:sqs:eu-west-1:123456789012:queue')).toThrow(
      KafkaConfigurationError,
    );
    expect(() => parseClusterArn('orders')).toThrow(/not an MSK cluster ARN/);
  });
});
