import { randomBytes } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import type { Logger } from '@aws-lambda-powertools/logger';
import { parseTraceparent, processingSpan } from '../tracing/trace-context.js';
import type { RecordReport } from './types.js';

/**
 * One span, as OpenTelemetry names its parts: a consumer processing one record (a child of the span
 * that produced it, in that record's trace), or one invocation processing a batch (a trace of its
 * own, linked to each record's span — a batch has many parents).
 */
export interface SpanRecord {
  name: string;
  kind: 'process' | 'invocation';
  traceId: string;
  spanId: string;
  parentSpanId?: string | undefined;
  links?: Array<{ traceId: string; spanId: string }>;
  /** the consumer */
  service: string;
  startTime: string;
  endTime: string;
  attributes: Record<string, string | number | undefined>;
}

/** Where a batch's spans go. */
export type SpanSink = (spans: readonly SpanRecord[]) => void;

/**
 * Where spans go, from `TRACE_SPANS`: `file:<path>` appends them as JSON lines (the local stack),
 * `log` writes one structured log line each (CloudWatch Logs Insights can then follow a trace id);
 * unset or `off`, nowhere — the trace context still travels in the records' headers.
 *
 * @param environment - the service context's environment
 * @param logger - the consumer's logger, for `log`
 * @example
 * ```ts
 * const sink = spanSink({ TRACE_SPANS: 'file:.local/traces.jsonl' }, logger);
 * sink?.(batchSpans(report, 'orderSaga', context.awsRequestId));
 * ```
 */
export function spanSink(
  environment: Readonly<Record<string, string | undefined>>,
  logger: Pick<Logger, 'info'>,
): SpanSink | undefined {
  const setting = environment.TRACE_SPANS;
  if (!setting || setting === 'off') return undefined;
  if (setting === 'log')
    return (spans) => {
      for (const span of spans) logger.info('span', { span });
    };
  if (setting.startsWith('file:')) {
    const file = setting.slice('file:'.length);
    return (spans) => {
      if (spans.length > 0) appendFileSync(file, spans.map((span) => `${JSON.stringify(span)}\n`).join(''));
    };
  }
  throw new Error(`TRACE_SPANS=${setting}: give file:<path>, log or off`);
}

/**
 * A record's span attributes, named as OpenTelemetry's messaging conventions name them for Kafka.
 *
 * @param record - a record of a batch report
 * @example
 * ```ts
 * span.setAttributes(recordSpanAttributes(report.records[0]));
 * ```
 */
export function recordSpanAttributes(record: RecordReport): Record<string, string | number | undefined> {
  return {
    'messaging.destination.name': record.topic,
    'messaging.kafka.message.key': record.key,
    'messaging.destination.partition.id': record.partition,
    'messaging.kafka.offset': record.offset,
    'messaging.message.id': record.messageId,
    'message.type': record.messageType,
    outcome: record.outcome,
  };
}

/**
 * A batch's spans: one per record the consumer handled (processed or a duplicate), and the
 * invocation's, linked to each of them.
 *
 * @param records - the batch report's records
 * @param consumer - the consumer's name
 * @param invocationId - the Lambda request id
 * @param now - the batch's end (epoch ms)
 * @example
 * ```ts
 * const spans = batchSpans(report.records, 'orderSaga', context.awsRequestId);
 * ```
 */
export function batchSpans(
  records: readonly RecordReport[],
  consumer: string,
  invocationId: string,
  now = Date.now(),
): SpanRecord[] {
  const handled = records.filter(
    (record) => record.messageId !== undefined && record.startedAt !== undefined,
  );
  const iso = (epoch: number) => new Date(epoch).toISOString();
  const spans: SpanRecord[] = handled.map((record) => {
    const started = record.startedAt ?? now;
    const trace =
      record.span ?? processingSpan(parseTraceparent(record.traceparent), consumer, record.messageId ?? '');
    return {
      name: `process ${record.topic ?? ''}`,
      kind: 'process',
      traceId: trace.traceId,
      spanId: trace.spanId,
      parentSpanId: trace.parentSpanId,
      service: consumer,
      startTime: iso(started),
      endTime: iso(started + (record.durationMs ?? 0)),
      attributes: recordSpanAttributes(record),
    };
  });
  if (spans.length === 0) return spans;
  spans.push({
    name: `invoke ${consumer}`,
    kind: 'invocation',
    traceId: randomBytes(16).toString('hex'),
    spanId: randomBytes(8).toString('hex'),
    links: spans.map((span) => ({ traceId: span.traceId, spanId: span.spanId })),
    service: consumer,
    startTime: iso(Math.min(...handled.map((record) => record.startedAt ?? now))),
    endTime: iso(now),
    attributes: { 'faas.invocation_id': invocationId, 'messaging.batch.message_count': records.length },
  });
  return spans;
}
