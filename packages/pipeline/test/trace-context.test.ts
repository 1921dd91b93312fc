import { describe, expect, it } from 'vitest';
import {
  formatTraceparent,
  newTrace,
  parseTraceparent,
  processingSpan,
} from '../src/tracing/trace-context.js';

const HEADER = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('W3C trace context in record headers', () => {
  it('reads and writes a traceparent, and refuses malformed or all-zero ids', () => {
    expect(parseTraceparent(HEADER)).toEqual({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      flags: '01',
    });
    expect(formatTraceparent(parseTraceparent(HEADER) ?? newTrace())).toBe(HEADER);
    for (const bad of [
      undefined,
      '',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7',
      '01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01',
      '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01',
    ])
      expect(parseTraceparent(bad), String(bad)).toBeUndefined();
  });

  it('continues the record’s trace as a child span whose id is the same when the message is decided again', () => {
    const incoming = parseTraceparent(HEADER);

    const span = processingSpan(incoming, 'orderSaga', 'message-1');

    expect(span).toMatchObject({ traceId: incoming?.traceId, parentSpanId: incoming?.spanId, flags: '01' });
    expect(span.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(processingSpan(incoming, 'orderSaga', 'message-1')).toEqual(span);
    expect(processingSpan(incoming, 'orderProjector', 'message-1').spanId).not.toBe(span.spanId);
  });

  it('starts a trace from the message id for a record that came without one', () => {
    const span = processingSpan(undefined, 'orderCommands', 'command-1');

    expect(span.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(span.parentSpanId).toBeUndefined();
    expect(processingSpan(undefined, 'audit', 'command-1').traceId).toBe(span.traceId);
  });
});
