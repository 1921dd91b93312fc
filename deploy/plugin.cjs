'use strict';
/**
 * Serverless Framework plugin of this service (listed in serverless.yml `plugins`).
 * - Packaging: hands the compiled template to deploy/cloud.ts (TypeScript, loaded through tsx), which
 *   adds the topics, one role per function, the mappings' error controls and the alarms.
 * - Deploying: refuses the local stages (`custom.localStages`), whose parameters are placeholders.
 */
const path = require('node:path');
const { pathToFileURL } = require('node:url');

class KafkaPatternsDeployment {
  constructor(serverless, options) {
    this.serverless = serverless;
    this.options = options;
    this.hooks = {
      'after:aws:package:finalize:mergeCustomProviderResources': () => this.extendTemplate(),
      'before:deploy:deploy': () => this.refuseLocalStage(),
      'before:deploy:function:initialize': () => this.refuseLocalStage(),
    };
  }

  stage() {
    return this.options.stage ?? this.serverless.service.provider.stage;
  }

  refuseLocalStage() {
    const localStages = this.serverless.service.custom.localStages ?? [];
    const stage = this.stage();
    if (localStages.includes(stage)) {
      throw new this.serverless.classes.Error(
        `Stage "${stage}" only runs locally: its cluster, subnets and alarm topic are placeholders. ` +
          'Deploy a stage of your own with its parameters: README.md, "Deploy to AWS".',
      );
    }
  }

  async extendTemplate() {
    const { tsImport } = await import('tsx/esm/api');
    const entry = pathToFileURL(path.join(__dirname, 'cloud.ts')).href;
    const { extendTemplate, functionDeclarations } = await tsImport(entry, __filename);
    const service = this.serverless.service;
    const custom = service.custom;
    const template = service.provider.compiledCloudFormationTemplate;
    const declarations = await functionDeclarations(service.functions);
    extendTemplate(
      template,
      {
        functions: service.functions,
        kafkaMapping: custom.kafkaMapping,
        alarms: custom.alarms,
        httpApiThrottling: custom.httpApiThrottling,
        createTopics: String(custom.createTopics) !== 'false',
        parameters: {
          alarmTopicArn: custom.stageParameters.alarmTopicArn,
          topicReplicationFactor: Number(custom.stageParameters.topicReplicationFactor),
        },
      },
      declarations,
      service.provider.environment ?? {},
    );
  }
}

module.exports = KafkaPatternsDeployment;
