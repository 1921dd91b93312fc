import { describe, expect, it } from 'vitest';
import * as pipeline from '../src/index.js';

const errorClasses = Object.entries(pipeline).filter(
  (entry): entry is [string, typeof Error] =>
    typeof entry[1] === 'function' && entry[1].prototype instanceof Error,
);

describe('errors', () => {
  it('every error class the package exports derives from PipelineError and is named after itself', () => {
    // Prepare
    const names = errorClasses.map(([name]) => name);

    // Act
    const outside = errorClasses.filter(
      ([name, errorClass]) =>
        name !== 'PipelineError' && !(errorClass.prototype instanceof pipeline.PipelineError),
    );
    const misnamed = errorClasses.filter(
      ([name, errorClass]) => Reflect.construct(errorClass, ['x', 'y', 'z']).name !== name,
    );

    // Assess
    expect(names.length).toBeGreaterThan(12);
    expect(outside.map(([name]) => name)).toEqual([]);
    expect(misnamed.map(([name]) => name)).toEqual([]);
  });

  it('carries what an error is about as its context, never the payload', () => {
    const violation = new pipeline.ContractViolationError('bad data', 'orders.commands', 'PlaceOrder');
    const limit = new pipeline.LimitExceededError('too big', 'max.message.bytes');
    const busy = new pipeline.InProgressError('audit#m-1', 250);

    expect(violation.context).toEqual({ topic: 'orders.commands', messageType: 'PlaceOrder' });
    expect(limit.context).toEqual({ limit: 'max.message.bytes' });
    expect(busy.context).toEqual({ idempotencyKey: 'audit#m-1', retryAfterMs: 250 });
    expect(new pipeline.TransientError('later').context).toEqual({});
  });
});
