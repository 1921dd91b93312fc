import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as z from 'zod';
import { emitBusinessMetrics } from '../src/pipeline/business-metrics.js';
import type { MetricDeclaration, RecordReport } from '../src/pipeline/types.js';

const DECLARED: MetricDeclaration[] = [
  { name: 'OrdersPlaced', unit: 'Count', dimensions: [], description: 'orders placed' },
  { name: 'SagasCancelled', unit: 'Count', dimensions: ['cause'], description: 'sagas cancelled, by cause' },
];

const processed = (metrics: RecordReport['metrics']): RecordReport => ({
  partition: 'orders.events-0',
  offset: 0,
  outcome: 'processed',
  metrics,
});

/** An embedded-metric document (CloudWatch's EMF): its metadata, then one field per metric and dimension. */
const emfDocument = z.looseObject({
  _aws: z.object({
    CloudWatchMetrics: z.array(
      z.looseObject({ Namespace: z.string(), Dimensions: z.array(z.array(z.string())) }),
    ),
  }),
});

/** The embedded-metric documents written to stdout, one JSON line each. */
function documentsWritten(calls: ReadonlyArray<readonly unknown[]>) {
  return calls
    .map(([chunk]) => String(chunk))
    .filter((line) => line.includes('"_aws"'))
    .map((line) => emfDocument.parse(JSON.parse(line)));
}

afterEach(() => vi.restoreAllMocks());

describe('business metrics', () => {
  it('writes one document per dimension set, once per batch, and leaves out what is not declared', () => {
    // Prepare
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const metrics = new Metrics({ namespace: 'KafkaPatterns', serviceName: 'orderSaga' });
    const warn = vi.fn();
    const records = [
      processed([{ name: 'OrdersPlaced', value: 1 }]),
      processed([{ name: 'SagasCancelled', value: 1, dimensions: { cause: 'payment-declined' } }]),
      processed([{ name: 'SagasCancelled', value: 1, dimensions: { cause: 'payment-declined' } }]),
      processed([{ name: 'SagasCancelled', value: 1, dimensions: { cause: 'customer-cancelled' } }]),
      processed([{ name: 'Unheard', value: 1 }]),
      processed([{ name: 'SagasCancelled', value: 1, dimensions: { orderId: 'o-1' } }]),
    ];

    // Act: the batch's business metrics, then the consumer's own set as logMetrics flushes it
    emitBusinessMetrics(records, DECLARED, {
      namespace: 'KafkaPatterns',
      serviceName: 'orderSaga',
      metrics,
      logger: { warn },
    });
    metrics.publishStoredMetrics();

    // Assess: a document per cause, the undimensioned metric in the consumer's set, two left out
    const documents = documentsWritten(write.mock.calls);
    expect(documents).toHaveLength(3);
    const byCause = (cause: string) => documents.find((document) => document.cause === cause);
    expect(byCause('payment-declined')).toMatchObject({ service: 'orderSaga', SagasCancelled: [1, 1] });
    expect(byCause('customer-cancelled')).toMatchObject({ service: 'orderSaga', SagasCancelled: 1 });
    expect(byCause('payment-declined')?._aws.CloudWatchMetrics[0]).toMatchObject({
      Namespace: 'KafkaPatterns',
      Dimensions: [['service', 'cause']],
    });
    expect(documents.find((document) => 'OrdersPlaced' in document)).toMatchObject({ OrdersPlaced: 1 });
    expect(warn.mock.calls.map(([, fields]) => fields)).toEqual([
      { metric: 'Unheard', dimensions: [] },
      { metric: 'SagasCancelled', dimensions: ['orderId'] },
    ]);
  });
});
