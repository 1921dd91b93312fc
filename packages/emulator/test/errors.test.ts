import { describe, expect, it } from 'vitest';
import * as emulator from '../src/index.js';

const errorClasses = Object.entries<unknown>(emulator).filter(
  (entry): entry is [string, typeof Error] =>
    typeof entry[1] === 'function' && entry[1].prototype instanceof Error,
);

/** Lambda's own name for a runtime that died, kept as Lambda reports it. */
const LAMBDA_NAMES: Record<string, string> = { RuntimeExitError: 'Runtime.ExitError' };

describe('errors', () => {
  it('every error class the package exports derives from EmulatorError and is named after itself', () => {
    // Act
    const outside = errorClasses.filter(
      ([name, errorClass]) =>
        name !== 'EmulatorError' && !(errorClass.prototype instanceof emulator.EmulatorError),
    );
    const misnamed = errorClasses.filter(
      ([name, errorClass]) =>
        Reflect.construct(errorClass, ['kafka', 'x']).name !== (LAMBDA_NAMES[name] ?? name),
    );

    // Assess
    expect(errorClasses.length).toBeGreaterThan(6);
    expect(outside.map(([name]) => name)).toEqual([]);
    expect(misnamed.map(([name]) => name)).toEqual([]);
  });

  it('carries what an error is about as its context', () => {
    expect(new emulator.InfrastructureError('kafka', 'Java is missing').context).toEqual({
      service: 'kafka',
    });
    expect(new emulator.UsageError('no command').context).toEqual({});
  });
});
