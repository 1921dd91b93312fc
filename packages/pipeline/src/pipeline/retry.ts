import { InProgressError, TimeBudgetExceededError } from '../common/errors.js';
import { classify, ERROR_KINDS } from './classify.js';

export interface RetryOptions {
  /** attempts in all, the first included */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** milliseconds of invocation time still available for work (remaining time minus the safety margin) */
  budgetMs: () => number;
  /** injectable for tests */
  random?: (() => number) | undefined;
  sleep?: ((ms: number) => Promise<void>) | undefined;
  onRetry?: ((error: unknown, attempt: number, delayMs: number) => void) | undefined;
  /**
   * Rejects when the invocation's time for work is up ({@link invocationDeadline}): every attempt and
   * wait is raced against it, so a call that does not answer (a broker brownout, a DynamoDB request
   * without a timeout) cannot hold the record past the end of the invocation.
   */
  deadline?: Promise<never> | undefined;
}

/**
 * One timer per invocation, not per record: a promise that rejects with a transient
 * {@link TimeBudgetExceededError} `ms` from now, and the function that clears it.
 * @param ms time left for work (the remaining time minus the safety margin)
 * @param what what runs out of time, for the error message
 * @example
 * ```ts
 * const { deadline, clear } = invocationDeadline(context.getRemainingTimeInMillis() - 1_000, 'the record');
 * try {
 *   await Promise.race([work(), deadline]); // TimeBudgetExceededError once the time is out
 * } finally {
 *   clear();
 * }
 * ```
 */
export function invocationDeadline(
  ms: number,
  what: string,
): { deadline: Promise<never>; clear: () => void } {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new TimeBudgetExceededError(
            `${what} did not finish within the invocation's time (${Math.max(0, ms)} ms); the mapping will redeliver it`,
          ),
        ),
      Math.max(0, ms),
    );
  });
  // Nobody may be racing it when it fires: that is not an unhandled rejection.
  deadline.catch(() => {});
  return { deadline, clear: () => clearTimeout(timer) };
}

function raced<T>(work: Promise<T>, deadline: Promise<never> | undefined): Promise<T> {
  return deadline ? Promise.race([work, deadline]) : work;
}

/** The wait an error asks for before a retry (a claim's remaining lease), or 0. */
function retryAfterOf(error: unknown): number {
  return error instanceof InProgressError ? (error.retryAfterMs ?? 0) : 0;
}

export const DEFAULT_RETRY = { maxAttempts: 5, baseDelayMs: 25, maxDelayMs: 2_000 } as const;

/**
 * "Full jitter": a uniformly random delay between 0 and the capped exponential step.
 *
 * @param attempt - the attempt that failed, from 1
 * @param options - the base and largest delay, the random source
 * @example
 * ```ts
 * fullJitterDelay(3, { baseDelayMs: 100, maxDelayMs: 5_000 }); // a random whole number of ms in [0, 400)
 * ```
 */
export function fullJitterDelay(
  attempt: number,
  options: Pick<RetryOptions, 'baseDelayMs' | 'maxDelayMs' | 'random'>,
): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor((options.random ?? Math.random)() * ceiling);
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Run `work`, retrying transient failures with exponential backoff and full jitter. Never sleeps past
 * the time budget: when the next delay does not fit, the last error is thrown as it is. Permanent
 * errors are thrown at once. The first attempt runs without a frame of its own: it is the one every
 * record makes (bench/pipeline.ts).
 *
 * @param work - the call, given its attempt number
 * @param options - attempts, delays, budget and deadline
 * @example
 * ```ts
 * const answer = await retryTransient(() => provider.charge(request), {
 *   ...DEFAULT_RETRY,
 *   budgetMs: () => context.getRemainingTimeInMillis() - 1_000,
 * });
 * ```
 */
export function retryTransient<T>(work: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  if (options.budgetMs() <= 0) return Promise.reject(outOfTime());
  let first: Promise<T>;
  try {
    first = raced(work(1), options.deadline);
  } catch (error) {
    first = Promise.reject(error);
  }
  return first.catch((error: unknown) => retryAfter(error, work, options));
}

function outOfTime(): TimeBudgetExceededError {
  return new TimeBudgetExceededError(
    'no invocation time left to process this record; the mapping will redeliver it',
  );
}

/** What follows a failed first attempt: wait, try again, until success, a permanent error or no time. */
async function retryAfter<T>(
  firstError: unknown,
  work: (attempt: number) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  const sleep = options.sleep ?? defaultSleep;
  let error = firstError;
  for (let attempt = 1; ; attempt++) {
    if (classify(error) === ERROR_KINDS.permanent) throw error;
    if (attempt >= options.maxAttempts) throw error;
    // A claim held by an invocation that may have died frees itself when its lease ends: wait for
    // that when there is time (found by npm run chaos: a killed payments process left its claim,
    // and every redelivery failed fast on it until the mapping's retries were exhausted).
    const leaseLeft = retryAfterOf(error);
    const delay = Math.max(fullJitterDelay(attempt, options), leaseLeft);
    if (delay >= options.budgetMs()) {
      // The lease outlasts this invocation: spend what is left waiting, so that the mapping's next
      // delivery finds it over instead of failing fast again until the retries are exhausted.
      if (leaseLeft > 0) await raced(sleep(options.budgetMs()), options.deadline).catch(() => {});
      throw error;
    }
    options.onRetry?.(error, attempt, delay);
    await raced(sleep(delay), options.deadline);
    if (options.budgetMs() <= 0) throw outOfTime();
    try {
      return await raced(work(attempt + 1), options.deadline);
    } catch (next) {
      error = next;
    }
  }
}
