import * as z from 'zod';
import { extendTemplate } from './cloud.js';
import { functionDeclarations } from './declarations.js';
import { CUSTOM_KEY, PluginOptionsSchema, pluginOptions } from './options.js';
import type { Json, ServiceFunction, Template } from './types.js';

/** The parts of the Serverless Framework's `serverless` object the plugin uses. */
export interface ServerlessInstance {
  serviceDir: string;
  service: {
    custom?: unknown;
    functions: Record<string, ServiceFunction>;
    provider: {
      stage: string;
      environment?: Record<string, Json>;
      compiledCloudFormationTemplate: Template;
    };
  };
  configSchemaHandler?: { defineCustomProperties(schema: object): void };
  classes: { Error: new (message: string) => Error };
}

/**
 * The Serverless Framework plugin: list `@msk-patterns/serverless-plugin` under `plugins` and
 * configure it under `custom.mskPatterns` (see {@link PluginOptionsSchema}).
 * - Packaging: adds the topics, one least-privilege role per function generated from what its
 *   handler declares, the mappings' error controls, `kafka://` destinations and metrics, alarms.
 * - Deploying: refuses the stages listed in `localStages`.
 *
 * @example
 * ```yaml
 * plugins:
 *   - '@msk-patterns/serverless-plugin'
 * custom:
 *   mskPatterns:
 *     mapping: { MaximumRetryAttempts: 5, MaximumRecordAgeInSeconds: 3600 }
 *     alarmTopicArn: ${param:alarmTopicArn}
 *     topicReplicationFactor: 3
 * ```
 */
export default class MskPatternsPlugin {
  readonly hooks: Record<string, () => Promise<void> | void>;
  readonly #serverless: ServerlessInstance;
  readonly #stage: string | undefined;

  /**
   * @param serverless - the framework's instance
   * @param cliOptions - the command's options (`--stage`)
   */
  constructor(serverless: ServerlessInstance, cliOptions: { stage?: string } = {}) {
    this.#serverless = serverless;
    this.#stage = cliOptions.stage;
    serverless.configSchemaHandler?.defineCustomProperties({
      properties: {
        [CUSTOM_KEY]: z.toJSONSchema(PluginOptionsSchema, { io: 'input', target: 'draft-7' }),
      },
      required: [CUSTOM_KEY],
    });
    this.hooks = {
      'after:aws:package:finalize:mergeCustomProviderResources': () => this.#extendTemplate(),
      'before:deploy:deploy': () => this.#refuseLocalStage(),
      'before:deploy:function:initialize': () => this.#refuseLocalStage(),
    };
  }

  #refuseLocalStage(): void {
    const stage = this.#stage ?? this.#serverless.service.provider.stage;
    if (pluginOptions(this.#serverless.service.custom).localStages.includes(stage)) {
      throw new this.#serverless.classes.Error(
        `Stage "${stage}" only runs locally (custom.${CUSTOM_KEY}.localStages): its parameters are placeholders. Deploy a stage of your own with its parameters.`,
      );
    }
  }

  async #extendTemplate(): Promise<void> {
    const { service, serviceDir } = this.#serverless;
    const options = pluginOptions(service.custom);
    const declarations = await functionDeclarations(serviceDir, service.functions);
    extendTemplate(service.provider.compiledCloudFormationTemplate, {
      functions: service.functions,
      options,
      declarations,
      environment: service.provider.environment ?? {},
    });
  }
}
