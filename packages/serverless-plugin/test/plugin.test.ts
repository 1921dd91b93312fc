import { describe, expect, it } from 'vitest';
import MskPatternsPlugin, {
  PluginConfigurationError,
  type PluginOptionsInput,
  pluginOptions,
  type ServerlessInstance,
} from '../src/index.js';

class ServerlessError extends Error {}

const settings: PluginOptionsInput = {
  mapping: { MaximumRecordAgeInSeconds: 3600 },
  alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:alarms',
  topicReplicationFactor: 3,
  localStages: ['dev', 'example'],
};

function serverless(stage: string, custom: unknown = { mskPatterns: settings }) {
  const schemas: object[] = [];
  const instance: ServerlessInstance = {
    serviceDir: '/nowhere',
    service: {
      custom,
      functions: {},
      provider: { stage, compiledCloudFormationTemplate: { Resources: {} } },
    },
    configSchemaHandler: { defineCustomProperties: (schema) => void schemas.push(schema) },
    classes: { Error: ServerlessError },
  };
  return { instance, schemas };
}

describe('the Serverless plugin', () => {
  it('refuses to deploy the local stages, whose parameters are placeholders', () => {
    const pluginFor = (stage: string) => new MskPatternsPlugin(serverless(stage).instance, {});

    expect(() => pluginFor('dev').hooks['before:deploy:deploy']?.()).toThrow(/Stage "dev" only runs locally/);
    expect(() => pluginFor('example').hooks['before:deploy:deploy']?.()).toThrow(ServerlessError);
    expect(pluginFor('prod').hooks['before:deploy:deploy']?.()).toBeUndefined();
    // --stage on the command line wins over provider.stage
    expect(() =>
      new MskPatternsPlugin(serverless('prod').instance, { stage: 'dev' }).hooks['before:deploy:deploy']?.(),
    ).toThrow(ServerlessError);
  });

  it('registers custom.mskPatterns with the framework as a JSON Schema it can validate', () => {
    const { instance, schemas } = serverless('dev');

    new MskPatternsPlugin(instance);

    expect(schemas).toHaveLength(1);
    expect(schemas[0]).toMatchObject({
      required: ['mskPatterns'],
      properties: {
        mskPatterns: {
          type: 'object',
          required: expect.arrayContaining(['mapping', 'alarmTopicArn', 'topicReplicationFactor']),
        },
      },
    });
  });
});

describe('pluginOptions', () => {
  it('fills in the documented defaults', () => {
    const options = pluginOptions({ mskPatterns: settings });

    expect(options).toMatchObject({
      createTopics: true,
      alarms: { offsetLag: 1000, offsetLagMinutes: 5, errors: 1, failedMinutes: 5 },
    });
    expect(options.httpApiThrottling).toBeUndefined();
  });

  it('names every wrong or missing setting, fails closed without the section', () => {
    expect(() => pluginOptions({})).toThrow(PluginConfigurationError);
    expect(() =>
      pluginOptions({ mskPatterns: { mapping: {}, topicReplicationFactor: 0, createTopics: 'maybe' } }),
    ).toThrow(
      /custom\.mskPatterns\.alarmTopicArn: .*custom\.mskPatterns\.topicReplicationFactor: .*custom\.mskPatterns\.createTopics: /,
    );
  });
});
