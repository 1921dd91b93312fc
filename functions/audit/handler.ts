import { isDeepStrictEqual } from 'node:util';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import {
  type ConsumerExpectation,
  type ConsumerOptions,
  consumer,
  type Decision,
  type MessageHandler,
  type MessageOf,
  PermanentError,
  TABLE_ACCESS,
} from '@msk-patterns/pipeline';
import * as z from 'zod/mini';
import { contracts } from '../../lib/contracts/index.js';
import { ORDER_COMMANDS } from '../../lib/contracts/orders.js';
import { TABLE_VARIABLES } from '../../lib/deploy/tables.js';

/** The fields of a message an audit row keeps: a second message under its id must carry the same. */
const sameMessage = (row: Record<string, unknown>, message: MessageOf<typeof ORDER_COMMANDS>) =>
  row.type === message.type &&
  row.version === message.version &&
  row.correlationId === message.correlationId &&
  row.occurredAt === message.occurredAt &&
  // A DynamoDB map keeps no key order: compared as values.
  isDeepStrictEqual(row.data, message.data);

/**
 * Audit trail of every order command: one item per message, keyed by message id, inserted once and
 * never changed (its role may put, not update or delete). The core pipeline commits it together with
 * the idempotency marker, so a redelivered or redriven command changes nothing; the insert's condition
 * keeps the first row also when a message comes back after its marker expired. Then the commit's
 * condition fails and the record is decided again: the row is read, and the same message is done, a
 * different one under a used id is refused.
 */
export const auditCommand: MessageHandler<MessageOf<typeof ORDER_COMMANDS>> = async (
  message,
  { record, attempt, service },
): Promise<Decision> => {
  const table = service.tableName(TABLE_VARIABLES.audit);
  if (attempt > 1) {
    const { Item } = await service.documentClient.send(
      new GetCommand({ TableName: table, Key: { messageId: message.id }, ConsistentRead: true }),
    );
    if (Item && sameMessage(Item, message)) return {};
    if (Item)
      throw new PermanentError(
        `message id ${message.id} was audited before for another ${String(Item.type)} message: ids are not reused`,
      );
  }
  return {
    writes: [
      {
        Put: {
          TableName: table,
          ConditionExpression: 'attribute_not_exists(messageId)',
          Item: {
            messageId: message.id,
            type: message.type,
            version: message.version,
            correlationId: message.correlationId,
            occurredAt: message.occurredAt,
            data: message.data,
            topic: record.topic,
            partition: record.partition,
            offset: record.offset,
            key: record.key,
          },
        },
      },
    ],
  };
};

export const auditConsumer = {
  registry: contracts,
  publishes: [],
  name: 'audit',
  accepts: ORDER_COMMANDS,
  tables: { [TABLE_VARIABLES.audit]: TABLE_ACCESS.insert },
  handle: auditCommand,
} as const satisfies ConsumerOptions<typeof ORDER_COMMANDS>;

export const handler = consumer(auditConsumer);

/** The audit trail relies on the envelope only: it stores any command's data as it is. */
export const expectations: ConsumerExpectation[] = [
  {
    consumer: 'audit',
    topic: 'orders.commands',
    messages: { PlaceOrder: z.object({}), CancelOrder: z.object({}), ConfirmOrder: z.object({}) },
  },
];
