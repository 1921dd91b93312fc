import { Hash } from '@smithy/core/serde';
import { HttpRequest } from '@smithy/core/transport';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

export interface SigningOptions {
  credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  region: string;
  /** @default now */
  signingDate?: Date | undefined;
}

/**
 * A GET to an API Gateway route with `authorizer: aws_iam`, signed with Signature Version 4 for
 * `execute-api` by the SDK's own signer — no hand-built headers
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-access-control-iam.html).
 *
 * @param url - the route's full address
 * @param options - the caller's credentials and the API's region
 * @returns the headers to send, `authorization` and `x-amz-date` (and the session token) among them
 */
export async function signedGetHeaders(url: URL, options: SigningOptions): Promise<Record<string, string>> {
  const signer = new SignatureV4({
    service: 'execute-api',
    region: options.region,
    credentials: options.credentials,
    sha256: Hash.bind(null, 'sha256'),
    // API Gateway does not ask for x-amz-content-sha256 (an S3 header): signed as the AWS CLI and
    // botocore sign, host, x-amz-date and the session token only.
    applyChecksum: false,
  });
  const request = new HttpRequest({
    method: 'GET',
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port ? { port: Number(url.port) } : {}),
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: { host: url.host },
  });
  const signed = await signer.sign(request, options.signingDate ? { signingDate: options.signingDate } : {});
  return signed.headers;
}
