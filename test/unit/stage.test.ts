import { stageConfig, stageEnvironment } from '@msk-patterns/emulator';
import { KafkaConfigurationError, kafkaConfig } from '@msk-patterns/pipeline';
import { describe, expect, it } from 'vitest';
import { declaredMappings } from '../../local/console/sources.js';

/** The configuration is built without asking for credentials: signing happens on connect. */
const NO_CREDENTIALS = {
  credentials: () => Promise.reject(new Error('not asked while configuring')),
};

describe('operator tools against a deployed stage', () => {
  it('take the stage’s tables and cluster from serverless.yml, and reach Kafka over MSK IAM with TLS', () => {
    // Act
    const environment = stageEnvironment('example');
    const config = kafkaConfig(environment, NO_CREDENTIALS);

    // Assess
    expect(environment).toMatchObject({
      SAGAS_TABLE: 'kafka-patterns-example-sagas',
      KAFKA_AUTH: 'iam',
      MSK_CLUSTER_ARN: expect.stringMatching(/^arn:aws:kafka:eu-west-1:210987654321:cluster\/orders-prod\//),
      AWS_REGION: 'eu-west-1',
    });
    expect(config.ssl).toBe(true);
    expect(config.sasl?.mechanism).toBe('oauthbearer');
    // No broker list to drift: the brokers are asked of the cluster (kafka:GetBootstrapBrokers) on connect.
    expect(typeof config.brokers).toBe('function');
  });

  it('take stage parameters from the command line, as serverless deploy --param does', () => {
    const arn = 'arn:aws:kafka:us-east-1:111122223333:cluster/live/abcd-1';
    expect(stageEnvironment('example', [`mskClusterArn=${arn}`]).MSK_CLUSTER_ARN).toBe(arn);
  });

  it('give the console each declared mapping’s topic and the stage’s consumer group, whose lag it reads', () => {
    // Act
    const config = stageConfig('example');
    const mappings = declaredMappings(config);

    // Assess: one per msk event, every group the stage's own
    const mskEvents = Object.values(config.functions).flatMap((declared) =>
      (declared.events ?? []).filter((event) => 'msk' in event),
    );
    expect(mappings).toHaveLength(mskEvents.length);
    expect(mappings).toContainEqual({
      functionKey: 'audit',
      topic: 'orders.commands',
      consumerGroupId: 'kafka-patterns-example-audit',
      enabled: true,
    });
    expect(mappings.every((mapping) => mapping.consumerGroupId.startsWith('kafka-patterns-example-'))).toBe(
      true,
    );
    expect(new Set(mappings.map((mapping) => mapping.consumerGroupId)).size).toBe(mappings.length);
  });

  it('refuse a stage whose parameters are not given', () => {
    expect(() => stageEnvironment('prod')).toThrow(/\$\{param:mskClusterArn\} has no value/);
  });
});

describe('kafkaConfig', () => {
  it('refuses an unknown KAFKA_AUTH instead of falling back to plaintext', () => {
    expect(() => kafkaConfig({ KAFKA_BROKERS: 'b:9098', KAFKA_AUTH: 'scram' }, NO_CREDENTIALS)).toThrow(
      KafkaConfigurationError,
    );
  });

  it('needs brokers or a cluster', () => {
    expect(() => kafkaConfig({ KAFKA_AUTH: 'none' }, NO_CREDENTIALS)).toThrow(
      /MSK_CLUSTER_ARN .* or KAFKA_BROKERS/,
    );
  });

  it('connects in plaintext only when told to (the local broker)', () => {
    expect(
      kafkaConfig({ KAFKA_BROKERS: '127.0.0.1:9092', KAFKA_AUTH: 'none' }, NO_CREDENTIALS),
    ).toMatchObject({
      brokers: ['127.0.0.1:9092'],
    });
    expect(kafkaConfig({ KAFKA_BROKERS: 'b-1:9098', AWS_REGION: 'eu-west-1' }, NO_CREDENTIALS).ssl).toBe(
      true,
    );
  });
});
