import { randomUUID } from 'node:crypto';
import type { ScheduledEvent } from 'aws-lambda';
import { lambdaContext } from '../runner/lambda-context.js';
import type { ScheduleConfig } from './config.js';

export type ScheduledHandler = (
  event: ScheduledEvent,
  context: ReturnType<typeof lambdaContext>,
) => Promise<unknown>;

/**
 * EventBridge invokes a scheduled target asynchronously; Lambda retries a failed asynchronous
 * invocation twice (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html).
 */
const ASYNC_RETRIES = 2;

/**
 * Invokes a function on its schedule's rate, with the event EventBridge sends, and on demand.
 * @example
 * ```ts
 * const [schedule] = schedulesFromTemplate(template, config);
 * const runner = new ScheduleRunner(schedule, handler, console.log);
 * runner.start(); // invokes `handler` every `schedule.rateMs`, never two at once
 * ```
 */
export class ScheduleRunner {
  readonly stats = { invocations: 0, errors: 0 };
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> = Promise.resolve();

  /**
   * @param schedule - the rule, as the packaged template defines it
   * @param handler - the function's handler
   * @param log - where to log each invocation
   */
  constructor(
    readonly schedule: ScheduleConfig,
    readonly handler: ScheduledHandler,
    readonly log: (line: string) => void,
  ) {}

  start(): void {
    if (!this.schedule.enabled) return;
    this.#timer = setInterval(() => void this.trigger(), this.schedule.rateMs);
    this.#timer.unref();
  }

  /** One scheduled invocation (and its async retries); invocations never overlap. */
  trigger(): Promise<unknown> {
    this.#running = this.#running.then(() => this.#invoke());
    return this.#running;
  }

  async #invoke(): Promise<unknown> {
    const now = new Date();
    const event: ScheduledEvent = {
      version: '0',
      id: randomUUID(),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: '000000000000',
      time: `${now.toISOString().slice(0, 19)}Z`,
      region: 'eu-west-1',
      resources: [`arn:aws:events:eu-west-1:000000000000:rule/${this.schedule.logicalId}`],
      detail: {},
    };
    for (let attempt = 0; attempt <= ASYNC_RETRIES; attempt++) {
      this.stats.invocations++;
      try {
        const result = await this.handler(
          event,
          lambdaContext(this.schedule.functionKey, this.schedule.timeoutSeconds),
        );
        this.log(`${this.schedule.functionKey} ⇐ ${this.schedule.expression}: ${JSON.stringify(result)}`);
        return result;
      } catch (error) {
        this.stats.errors++;
        this.log(
          `${this.schedule.functionKey} ⇐ ${this.schedule.expression} failed: ${(error as Error).message}`,
        );
      }
    }
    return undefined;
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#running.catch(() => {});
  }
}
