import { describe, expect, it } from 'vitest';
import {
  classify,
  ERROR_KINDS,
  fullJitterDelay,
  InProgressError,
  PermanentError,
  retryTransient,
  TimeBudgetExceededError,
  TransientError,
} from '../src/index.js';

describe('fullJitterDelay', () => {
  it('stays within [0, min(cap, base * 2^(attempt-1))) for any random draw', () => {
    for (const attempt of [1, 2, 3, 8, 20]) {
      const ceiling = Math.min(1_000, 10 * 2 ** (attempt - 1));
      expect(fullJitterDelay(attempt, { baseDelayMs: 10, maxDelayMs: 1_000, random: () => 0 })).toBe(0);
      expect(fullJitterDelay(attempt, { baseDelayMs: 10, maxDelayMs: 1_000, random: () => 0.999999 })).toBe(
        ceiling - 1,
      );
    }
  });
});

describe('retryTransient', () => {
  const fixed = { baseDelayMs: 100, maxDelayMs: 1_000, random: () => 0.5 };

  it('retries transient errors with growing delays until it succeeds', async () => {
    // Prepare
    const slept: number[] = [];
    let attempts = 0;

    // Act
    const result = await retryTransient(
      async () => {
        attempts++;
        if (attempts < 4) throw new TransientError('throttled');
        return 'done';
      },
      { ...fixed, maxAttempts: 5, budgetMs: () => 60_000, sleep: async (ms) => void slept.push(ms) },
    );

    // Assess
    expect(result).toBe('done');
    expect(slept).toEqual([50, 100, 200]);
  });

  it('waits out the lease of a claim another invocation holds when there is time, then retries (found by npm run chaos)', async () => {
    // Prepare: the first attempt finds a claim whose lease ends in 4 s (its holder may have died)
    const slept: number[] = [];
    let attempts = 0;

    // Act
    const result = await retryTransient(
      async () => {
        attempts++;
        if (attempts === 1) throw new InProgressError('payments#m-1', 4_000);
        return 'charged';
      },
      { ...fixed, maxAttempts: 5, budgetMs: () => 30_000, sleep: async (ms) => void slept.push(ms) },
    );

    // Assess: one wait of the lease's length, not a fast failure
    expect(result).toBe('charged');
    expect(slept).toEqual([4_000]);
  });

  it('spends the budget waiting when the lease outlasts it, then fails the record: the next delivery finds the lease over', async () => {
    const slept: number[] = [];
    await expect(
      retryTransient(
        async () => {
          throw new InProgressError('payments#m-1', 40_000);
        },
        { ...fixed, maxAttempts: 5, budgetMs: () => 10_000, sleep: async (ms) => void slept.push(ms) },
      ),
    ).rejects.toBeInstanceOf(InProgressError);
    expect(slept).toEqual([10_000]);
  });

  it('throws a permanent error at once', async () => {
    let attempts = 0;
    const work = async () => {
      attempts++;
      throw new PermanentError('bad');
    };
    await expect(
      retryTransient(work, { ...fixed, maxAttempts: 5, budgetMs: () => 60_000, sleep: async () => {} }),
    ).rejects.toThrow('bad');
    expect(attempts).toBe(1);
  });

  it('never sleeps past the time budget: the last error is thrown instead', async () => {
    let budget = 120;
    const slept: number[] = [];
    const work = async () => {
      throw new TransientError('still throttled');
    };
    const sleep = async (ms: number) => {
      slept.push(ms);
      budget -= ms;
    };

    await expect(
      retryTransient(work, { ...fixed, maxAttempts: 10, budgetMs: () => budget, sleep }),
    ).rejects.toThrow('still throttled');
    expect(slept).toEqual([50]);
  });

  it('does not start when the budget is already spent', async () => {
    await expect(
      retryTransient(async () => 'never', {
        ...fixed,
        maxAttempts: 3,
        budgetMs: () => 0,
        sleep: async () => {},
      }),
    ).rejects.toBeInstanceOf(TimeBudgetExceededError);
  });
});

describe('classify', () => {
  it('knows DynamoDB throttling, 5xx, network and retriable kafkajs errors as transient', () => {
    const errors = [
      Object.assign(new Error('x'), { name: 'ProvisionedThroughputExceededException' }),
      Object.assign(new Error('x'), { name: 'TransactionConflictException' }),
      Object.assign(new Error('x'), { $metadata: { httpStatusCode: 503 } }),
      Object.assign(new Error('x'), { code: 'ECONNRESET' }),
      Object.assign(new Error('x'), { name: 'KafkaJSNumberOfRetriesExceeded', retriable: true }),
    ];
    for (const error of errors) expect(classify(error)).toBe(ERROR_KINDS.transient);
  });

  it('takes a PermanentError or TransientError at its word, and an unknown error as transient', () => {
    expect(classify(new PermanentError('no such SKU'))).toBe(ERROR_KINDS.permanent);
    expect(classify(new TransientError('provider unavailable'))).toBe(ERROR_KINDS.transient);
    expect(classify(Object.assign(new Error('card declined'), { code: 'CARD_DECLINED' }))).toBe(
      ERROR_KINDS.transient,
    );
  });

  it('knows a limit of Kafka or DynamoDB reached as permanent, however it is wrapped', () => {
    // kafkajs wraps the broker's refusal: KafkaJSNumberOfRetriesExceeded → KafkaJSProtocolError
    const tooLarge = Object.assign(
      new Error('The request included a message larger than the max message size'),
      {
        name: 'KafkaJSProtocolError',
        type: 'MESSAGE_TOO_LARGE',
        retriable: false,
      },
    );
    const wrapped = Object.assign(new Error('retries exhausted', { cause: tooLarge }), {
      name: 'KafkaJSNumberOfRetriesExceeded',
      retriable: true,
    });
    const itemTooLarge = Object.assign(new Error('Item size has exceeded the maximum allowed size'), {
      name: 'ValidationException',
    });
    const keyTooLong = Object.assign(new Error('Transaction cancelled'), {
      name: 'TransactionCanceledException',
      CancellationReasons: [
        {
          Code: 'ValidationError',
          Message:
            'Hash primary key values must be under 2048 bytes, and range primary key values must be under 1024 bytes',
        },
        { Code: 'None' },
      ],
    });
    const transactionTooLarge = Object.assign(
      new Error('Transaction payload size cannot exceed 4MB. Payload Size: 4290056'),
      { name: 'ValidationException' },
    );
    for (const error of [tooLarge, wrapped, itemTooLarge, keyTooLong, transactionTooLarge])
      expect(classify(error)).toBe(ERROR_KINDS.permanent);
  });

  it('keeps any other ValidationException transient: a bug of ours must not turn into dead letters at once', () => {
    const badExpression = Object.assign(new Error('Invalid UpdateExpression: Syntax error'), {
      name: 'ValidationException',
    });
    expect(classify(badExpression)).toBe(ERROR_KINDS.transient);
  });

  it('treats an unknown error as transient, so that the mapping retries it before its on-failure destination', () => {
    expect(classify(new TypeError('undefined is not a function'))).toBe(ERROR_KINDS.transient);
  });
});
