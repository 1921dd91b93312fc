import * as z from 'zod';
import { PluginConfigurationError } from './errors.js';

const count = z.coerce.number().int().min(0);

/** Alarm thresholds, each with its default. */
const Alarms = z.object({
  /** consumer lag (records) of a mapping that alarms… */
  offsetLag: count.default(1000),
  /** …when it stays at or above the threshold this many minutes */
  offsetLagMinutes: count.min(1).default(5),
  /** function errors in a minute */
  errors: count.default(1),
  /** function throttles in a minute */
  throttles: count.default(1),
  /** dead letters a consumer wrote in a minute */
  deadLettered: count.default(1),
  /** records a consumer left to the mapping (failed) in a minute… */
  failed: count.default(1),
  /** …in each of this many consecutive minutes */
  failedMinutes: count.min(1).default(5),
});

/** `true`, `false` or their text (`--param="createTopics=false"` arrives as a string). */
const Flag = z.union([z.boolean(), z.enum(['true', 'false']).transform((text) => text === 'true')]);

/**
 * The plugin's settings, `custom.mskPatterns` in serverless.yml. Serverless validates them against
 * this schema's JSON Schema when it loads the configuration; the plugin parses them again (with the
 * defaults) when it packages.
 */
export const PluginOptionsSchema = z.object({
  /**
   * Properties merged into every `AWS::Lambda::EventSourceMapping` the `msk` events compile to: what
   * the framework's `msk` event cannot express (`MaximumRetryAttempts`, `BisectBatchOnFunctionError`,
   * `FunctionResponseTypes`, `MetricsConfig`, `ProvisionedPollerConfig`…). `MaximumRecordAgeInSeconds`
   * is required, between 60 and 604800.
   */
  mapping: z.record(z.string(), z.json()),
  /** the SNS topic every alarm notifies */
  alarmTopicArn: z.string().min(1),
  /** replicas per created topic: at most the number of brokers */
  topicReplicationFactor: z.coerce.number().int().min(1),
  /**
   * Create the topics (`AWS::MSK::Topic`, MSK Provisioned on Kafka 3.6 or later).
   * @default true
   */
  createTopics: Flag.default(true),
  /**
   * Stages that only run locally: `serverless deploy` refuses them.
   * @default []
   */
  localStages: z.array(z.string()).default([]),
  alarms: Alarms.default(Alarms.parse({})),
  /** HTTP API stage throttling (requests per second, burst); unset leaves the stage's own */
  httpApiThrottling: z.object({ rate: count, burst: count }).optional(),
});

/** `custom.mskPatterns` as written in serverless.yml (defaults may be left out). */
export type PluginOptionsInput = z.input<typeof PluginOptionsSchema>;
/** `custom.mskPatterns` with its defaults applied. */
export type PluginOptions = z.output<typeof PluginOptionsSchema>;

/** The key under `custom` the plugin reads. */
export const CUSTOM_KEY = 'mskPatterns';

/**
 * Parse `custom.mskPatterns`, naming each wrong or missing setting.
 *
 * @param custom - serverless.yml `custom`, resolved
 * @throws PluginConfigurationError naming every wrong or missing setting
 * @example
 * ```ts
 * const options = pluginOptions({ mskPatterns: { alarmTopicArn: '${param:alarmTopicArn}' } });
 * options.createTopics; // the default, true
 * ```
 */
export function pluginOptions(custom: unknown): PluginOptions {
  const section = typeof custom === 'object' && custom !== null ? Reflect.get(custom, CUSTOM_KEY) : undefined;
  const parsed = PluginOptionsSchema.safeParse(section);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map(
    (issue) =>
      `custom.${CUSTOM_KEY}${issue.path.map((part) => `.${String(part)}`).join('')}: ${issue.message}`,
  );
  throw new PluginConfigurationError(problems.join('; '), { setting: `custom.${CUSTOM_KEY}` });
}
