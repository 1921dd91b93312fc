import { KafkaJSProtocolError } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { apiForbidden, kafkaFailure, tableFailure } from '../../local/smoke/diagnose.js';
import { signedGetHeaders } from '../../local/smoke/signed-fetch.js';

const CLUSTER = 'arn:aws:kafka:eu-west-1:111122223333:cluster/orders/abcd-1';
const produce = {
  doing: 'produce to orders.commands',
  topic: 'orders.commands',
  clusterArn: CLUSTER,
  brokers: () => ['b-1.orders.kafka.eu-west-1.amazonaws.com:9098'],
};

describe('the smoke test’s signed query API request', () => {
  it('signs a GET for execute-api exactly as botocore’s SigV4Auth does (host, x-amz-date, session token)', async () => {
    // Prepare: the request and instant botocore 1.43.11 signed, with the AWS documentation's example keys
    const url = new URL('https://abc123.execute-api.eu-west-1.amazonaws.com/orders/smoke-1a2b3c4d-completes');

    // Act
    const headers = await signedGetHeaders(url, {
      credentials: {
        accessKeyId: 'AKIDEXAMPLE',
        secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
        sessionToken: 'session-token-example',
      },
      region: 'eu-west-1',
      signingDate: new Date('2026-12-05T02:00:00Z'),
    });

    // Assess: botocore's Authorization header for the same request, byte for byte
    expect(headers).toEqual({
      host: 'abc123.execute-api.eu-west-1.amazonaws.com',
      'x-amz-date': '20261205T020000Z',
      'x-amz-security-token': 'session-token-example',
      authorization:
        'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261205/eu-west-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=7aa0a53586ab3e55cafa7991463f905acb3e76c5f0c0c6ca71b3752e3b34ab0a',
    });
  });
});

describe('what the smoke test says a first deploy got wrong', () => {
  it('names the IAM action and the topic ARN when MSK refuses a write', () => {
    // as kafkajs builds it from the broker's error code 29 (its typings leave out the code's fields)
    const refused = Object.assign(
      new KafkaJSProtocolError('Not authorized to access topics: [Topic authorization failed]'),
      { type: 'TOPIC_AUTHORIZATION_FAILED', code: 29 },
    );

    const failure = kafkaFailure(refused, produce);

    expect(failure.message).toBe(
      'produce to orders.commands: IAM denied kafka-cluster:WriteData on arn:aws:kafka:eu-west-1:111122223333:topic/orders/abcd-1/orders.commands',
    );
    expect(failure.fix).toMatch(/kafka-cluster:DescribeTopic/);
  });

  it('names kafka-cluster:Connect on the cluster when the IAM authentication fails', () => {
    // kafkajs's class, by name: its typings give the constructor no message
    const refused = Object.assign(new Error('SASL OAUTHBEARER authentication failed: Access denied'), {
      name: 'KafkaJSSASLAuthenticationError',
    });

    const failure = kafkaFailure(refused, produce);

    expect(failure.message).toBe(
      `produce to orders.commands: IAM denied kafka-cluster:Connect on ${CLUSTER}`,
    );
  });

  it('names dynamodb:UpdateItem on the inventory table when the smoke SKU cannot be stocked', () => {
    // as the SDK names DynamoDB's refusal
    const denied = Object.assign(new Error('User is not authorized to perform: dynamodb:UpdateItem'), {
      name: 'AccessDeniedException',
    });

    const failure = tableFailure(denied, 'kafka-patterns-prod-inventory');

    expect(failure.message).toBe(
      "put the smoke SKU's units on the shelf: IAM denied dynamodb:UpdateItem on the table kafka-patterns-prod-inventory",
    );
    expect(tableFailure(new Error('boom'), 'kafka-patterns-prod-inventory').message).toBe('boom');
  });

  it('names execute-api:Invoke on the API’s routes when the API answers 403', () => {
    const failure = apiForbidden('/sagas/smoke-1', 'https://abc123.execute-api.eu-west-1.amazonaws.com');

    expect(failure.message).toBe('the query API answered 403 to GET /sagas/smoke-1');
    expect(failure.fix).toMatch(
      /execute-api:Invoke on arn:aws:execute-api:eu-west-1:<account>:abc123\/\*\/GET\/\*/,
    );
  });
});
