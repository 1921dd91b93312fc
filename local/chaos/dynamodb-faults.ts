import {
  InternalServerError,
  ProvisionedThroughputExceededException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface DynamoDbFaultCounts {
  /** ProvisionedThroughputExceededException answers (retried by the SDK's retry strategy) */
  throttles: number;
  /** InternalServerError (HTTP 500) answers (retried by the SDK) */
  serverErrors: number;
  /** TransactWriteItems cancelled for a TransactionConflict (not retried by the SDK: ours to handle) */
  conflicts: number;
}

/**
 * Make a share of the requests a client sends fail as DynamoDB fails them under load. The faults are
 * raised inside the SDK's retry loop (finalizeRequest step, below its retry middleware), so the SDK's
 * own retry strategy sees them exactly as it sees real answers: throttling and 5xx are retried with
 * backoff, a cancelled transaction comes back to the caller. What the client would have sent is not
 * sent, as when DynamoDB refuses a request.
 */
export function injectDynamoDbFaults(
  client: DynamoDBDocumentClient,
  options: { rate: number; random: () => number; onFault?: (kind: keyof DynamoDbFaultCounts) => void },
): DynamoDbFaultCounts {
  const counts: DynamoDbFaultCounts = { throttles: 0, serverErrors: 0, conflicts: 0 };
  const count = (kind: keyof DynamoDbFaultCounts) => {
    counts[kind]++;
    options.onFault?.(kind);
  };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (options.random() >= options.rate) return next(args);
      const $metadata = { httpStatusCode: 400 };
      const pick = options.random();
      if (context.commandName === 'TransactWriteItemsCommand' && pick < 1 / 3) {
        count('conflicts');
        throw new TransactionCanceledException({
          message:
            'Transaction cancelled, please refer cancellation reasons for specific reasons [TransactionConflict]',
          $metadata,
          CancellationReasons: [
            { Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' },
          ],
        });
      }
      if (pick < 2 / 3) {
        count('throttles');
        throw new ProvisionedThroughputExceededException({
          message: 'The level of configured provisioned throughput for the table was exceeded',
          $metadata,
        });
      }
      count('serverErrors');
      throw new InternalServerError({ message: 'Internal server error', $metadata: { httpStatusCode: 500 } });
    },
    { step: 'finalizeRequest', priority: 'low', name: 'chaosDynamoDbFaults' },
  );
  return counts;
}
