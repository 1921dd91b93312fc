import { describe, expect, it } from 'vitest';
import { functionKeyOf } from '../src/dlq/outboxes.js';

describe('functionKeyOf', () => {
  it('names the function a dead letter came from, locally and as the framework names it in AWS', () => {
    const keys = ['saga', 'orderSaga', 'payments'];

    expect(functionKeyOf('orderSaga', keys)).toBe('orderSaga');
    expect(functionKeyOf('kafka-patterns-prod-orderSaga', keys)).toBe('orderSaga');
    expect(functionKeyOf('kafka-patterns-prod-saga', keys)).toBe('saga');
    expect(functionKeyOf('kafka-patterns-prod-audit', keys)).toBeUndefined();
  });

  it('does not give a key the letters of a function whose name merely ends with it', () => {
    // `orderSaga` ends with `Saga` and `aga`; only a whole key after a dash counts
    expect(functionKeyOf('kafka-patterns-prod-orderSaga', ['Saga', 'aga'])).toBeUndefined();
  });
});
