import type { ServerlessConfig } from '../infra/serverless-config.js';
import { mappingsFromTemplate, readTemplate, schedulesFromTemplate } from './config.js';
import { FunctionProcessHost } from './function-process-host.js';
import { loadHandler } from './load-handler.js';
import { type LastInvocation, MappingRunner, type RunnerOptions } from './mapping-runner.js';
import { type ScheduledHandler, ScheduleRunner } from './schedule-runner.js';
import type { MappingConfig } from './types.js';

export interface Emulator {
  runners: MappingRunner[];
  /** one per schedule rule, invoking its function at the rule's rate (`trigger()` invokes it now) */
  schedules: ScheduleRunner[];
  stop: () => Promise<void>;
}

/** How the chaos run has the emulator run functions: each mapping's in a process of its own. */
export interface FunctionProcesses {
  /** the environment of a process, read when it starts; given the function the process runs */
  env: (functionKey: string) => NodeJS.ProcessEnv;
  /** share of successful invocations after which the process is killed before the offsets commit */
  killAfterResponseRate: number;
  onFault: (fault: string) => void;
  /** a module (path or URL) whose default export builds each process's `InvocationHooks` */
  hooks?: string | undefined;
  /** given the function's logs (its processes' stdout and stderr) instead of our own stdout: the cost run counts their bytes */
  output?: ((functionKey: string, chunk: Buffer) => void) | undefined;
}

/** What {@link startEmulator} runs, and how. */
export interface EmulatorOptions {
  /** the packaged CloudFormation template (`packageStage`): its mappings and schedule rules */
  templatePath: string;
  /** serverless.yml, resolved (`loadServerlessConfig`): function keys and handlers */
  config: ServerlessConfig;
  brokers: string[];
  log: (line: string) => void;
  /** only these function keys (default: all) */
  functions?: string[] | undefined;
  afterInvoke?: RunnerOptions['afterInvoke'];
  /** told of every invocation as it returns, with its mapping's function (the cost run fits durations to batch sizes) */
  onInvocation?: ((functionKey: string, invocation: LastInvocation) => void) | undefined;
  faults?: RunnerOptions['faults'];
  /**
   * Run each mapping's function in a process of its own (the chaos run, which kills them); without
   * it, functions run in this process.
   */
  processes?: FunctionProcesses | undefined;
  /**
   * The directory of serverless.yml: handlers are found from it.
   * @default process.cwd()
   */
  serviceDirectory?: string | undefined;
}

/**
 * Start one runner per enabled MSK mapping and one per schedule rule of the packaged template: the
 * emulator runs what would deploy (the mappings with the error controls the plugin merges in), not a
 * second copy of the configuration.
 *
 * @param options - the template, the service, the brokers
 * @returns the running mappings and schedules, and `stop()`
 * @example
 * ```ts
 * const templatePath = await packageStage('dev');
 * const emulator = await startEmulator({
 *   templatePath,
 *   config: loadServerlessConfig({ stage: 'dev' }),
 *   brokers: ['127.0.0.1:9092'],
 *   log: console.log,
 * });
 * await emulator.stop();
 * ```
 */
export async function startEmulator(options: EmulatorOptions): Promise<Emulator> {
  const serviceDirectory = options.serviceDirectory ?? process.cwd();
  const template = readTemplate(options.templatePath);
  const selected = ({ functionKey }: { functionKey: string }) =>
    !options.functions || options.functions.includes(functionKey);
  const mappings = mappingsFromTemplate(template, options.config).filter(
    (mapping) => mapping.enabled && selected(mapping),
  );
  const runners: MappingRunner[] = [];
  const schedules: ScheduleRunner[] = [];
  const hosts: FunctionProcessHost[] = [];
  const stop = async () => {
    await Promise.all([
      ...runners.map((runner) => runner.stop().catch(() => {})),
      ...schedules.map((schedule) => schedule.stop()),
    ]);
    await Promise.all(hosts.map((host) => host.stop()));
  };
  const { processes, onInvocation } = options;
  const invocationListener = (mapping: MappingConfig) =>
    onInvocation && ((invocation: LastInvocation) => onInvocation(mapping.functionKey, invocation));
  const runnerFor = async (mapping: MappingConfig): Promise<MappingRunner> => {
    if (!processes) {
      return new MappingRunner(mapping, {
        brokers: options.brokers,
        handler: await loadHandler(mapping.handler, serviceDirectory),
        log: options.log,
        afterInvoke: options.afterInvoke,
        onInvocation: invocationListener(mapping),
        faults: options.faults,
      });
    }
    // One pool per function, shared by its mappings, as Lambda shares a function's environments.
    let host = hosts.find((candidate) => candidate.functionKey === mapping.functionKey);
    if (!host) {
      host = new FunctionProcessHost({
        handler: mapping.handler,
        functionKey: mapping.functionKey,
        env: processes.env,
        onFault: processes.onFault,
        killAfterResponseRate: processes.killAfterResponseRate,
        hooks: processes.hooks,
        output: processes.output && ((chunk: Buffer) => processes.output?.(mapping.functionKey, chunk)),
        serviceDirectory,
      });
      hosts.push(host);
    }
    return new MappingRunner(mapping, {
      brokers: options.brokers,
      handler: host.asHandler(),
      log: options.log,
      afterInvoke: options.afterInvoke,
      onInvocation: invocationListener(mapping),
      faults: options.faults,
    });
  };
  try {
    for (const schedule of schedulesFromTemplate(template, options.config).filter(selected)) {
      const runner = new ScheduleRunner(
        schedule,
        await loadHandler<ScheduledHandler>(schedule.handler, serviceDirectory),
        options.log,
      );
      schedules.push(runner);
      runner.start();
      options.log(`${schedule.functionKey} ⇐ ${schedule.expression}${schedule.enabled ? '' : ' (disabled)'}`);
    }
    for (const mapping of mappings) runners.push(await runnerFor(mapping));
    // Together: each group's first join waits out the broker's initial rebalance delay (3 s by
    // default, as on MSK; 0 on the local broker); one after the other that is 3 s per mapping.
    const started = await Promise.allSettled(runners.map((runner) => runner.start()));
    const failed = started.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
    for (const { mapping } of runners) {
      options.log(
        `${mapping.functionKey} ⇐ ${mapping.topic} (group ${mapping.consumerGroupId}, batch ${mapping.batchSize}/${mapping.batchingWindowMs} ms, retries ${mapping.maximumRetryAttempts}, bisect ${mapping.bisectBatchOnFunctionError}, on failure ${mapping.destinationTopic ? `kafka://${mapping.destinationTopic}` : 'drop'})`,
      );
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { runners, schedules, stop };
}
