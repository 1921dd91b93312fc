import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import {
  type ConnectedPublisher,
  containerContext,
  createServiceContext,
  KafkaPublisher,
  perServiceContext,
  releaseConnectionsLocally,
  type ServiceContext,
} from '../src/index.js';

const lambdaContext: Context = {
  callbackWaitsForEmptyEventLoop: true,
  functionName: 'test',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:test',
  memoryLimitInMB: '128',
  awsRequestId: 'request-1',
  logGroupName: '/aws/lambda/test',
  logStreamName: 'stream',
  getRemainingTimeInMillis: () => 1_000,
  done: () => {},
  fail: () => {},
  succeed: () => {},
};

/** A publisher that counts what is asked of it. */
function countingPublisher() {
  const calls = { published: 0, disconnected: 0 };
  const publisher: ConnectedPublisher = {
    publish: async (records) => {
      calls.published += records.length;
    },
    disconnect: async () => {
      calls.disconnected += 1;
    },
  };
  return { publisher, calls };
}

describe('createServiceContext', () => {
  it('reads table names and the clock from what it is given, not from process.env', () => {
    // Prepare
    const service = createServiceContext({ environment: { ORDERS_TABLE: 'test-orders' }, now: () => 42 });

    // Act / Assess
    expect(service.tableName('ORDERS_TABLE')).toBe('test-orders');
    expect(() => service.tableName('PAYMENTS_TABLE')).toThrow(/PAYMENTS_TABLE is not set/);
    expect(service.now()).toBe(42);
  });

  it('builds its publisher on first use, from its own environment, and fails closed without brokers', () => {
    // Prepare: no KAFKA_BROKERS, no MSK_CLUSTER_ARN in its environment
    const service = createServiceContext({ environment: {} });

    // Act / Assess: nothing is built until asked; asked, it names what is missing
    expect(() => service.tableName('X')).toThrow();
    expect(() => service.publisher).toThrow(/no Kafka brokers: set MSK_CLUSTER_ARN .* or KAFKA_BROKERS/);
  });

  it('gives one publisher and one document client for its lifetime', () => {
    // Prepare
    const service = createServiceContext({
      environment: { KAFKA_BROKERS: '127.0.0.1:9', KAFKA_AUTH: 'none', AWS_REGION: 'eu-west-1' },
    });

    // Act / Assess
    expect(service.publisher).toBeInstanceOf(KafkaPublisher);
    expect(service.publisher).toBe(service.publisher);
    expect(service.documentClient).toBe(service.documentClient);
  });

  it('releases only a publisher it opened itself', async () => {
    // Prepare
    const given = countingPublisher();
    const service = createServiceContext({ environment: {}, publisher: given.publisher });

    // Act
    await service.publisher.publish([{ topic: 't', key: 'k', value: '{}', headers: {} }]);
    await service.release();

    // Assess: the caller's publisher is the caller's to close
    expect(given.calls).toEqual({ published: 1, disconnected: 0 });
  });

  it('is one context per module graph: the container’s', () => {
    expect(containerContext()).toBe(containerContext());
  });
});

describe('perServiceContext', () => {
  it('builds once per context, and a context provided a value gets that one', () => {
    // Prepare
    let built = 0;
    const counter = perServiceContext((service: ServiceContext) => ({ built: ++built, now: service.now() }));
    const first = createServiceContext({ environment: {}, now: () => 1 });
    const second = createServiceContext({ environment: {}, now: () => 2 });
    const provided = createServiceContext({ environment: {} });
    counter.provide(provided, { built: -1, now: 0 });

    // Act / Assess
    expect(counter(first)).toBe(counter(first));
    expect(counter(first)).toEqual({ built: 1, now: 1 });
    expect(counter(second)).toEqual({ built: 2, now: 2 });
    expect(counter(provided)).toEqual({ built: -1, now: 0 });
    expect(built).toBe(2);
  });
});

describe('releaseConnectionsLocally', () => {
  it('closes the context’s connections after an invocation under `serverless invoke local`, never in Lambda', async () => {
    // Prepare: a context that counts its releases, once as Lambda runs it, once as `invoke local` does
    const releases = { lambda: 0, local: 0 };
    const context = (where: keyof typeof releases, environment: Record<string, string>): ServiceContext =>
      Object.assign(createServiceContext({ environment }), {
        release: async () => {
          releases[where] += 1;
        },
      });
    const handler = (service: ServiceContext) =>
      middy(async () => 'done').use(releaseConnectionsLocally(service));

    // Act
    await handler(context('lambda', {}))({}, lambdaContext);
    await handler(context('local', { IS_LOCAL: 'true' }))({}, lambdaContext);

    // Assess: in Lambda the connection stays open for the next invocation
    expect(releases).toEqual({ lambda: 0, local: 1 });
  });
});
