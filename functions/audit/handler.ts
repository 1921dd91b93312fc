import * as z from 'zod/mini';
import type { ConsumerExpectation } from '../../lib/contracts/consumer-driven.js';
import { ORDER_COMMANDS } from '../../lib/contracts/orders.js';
import type { MessageOf } from '../../lib/contracts/registry.js';
import { TABLE_ACCESS } from '../../lib/deploy/access.js';
import { TABLE_VARIABLES } from '../../lib/deploy/tables.js';
import { consumer } from '../../lib/pipeline/consumer.js';
import type { Decision, MessageHandler } from '../../lib/pipeline/types.js';
import { tableName } from '../../lib/store/dynamodb.js';

/**
 * Audit trail of every order command: one item per message, keyed by message id. The core pipeline
 * commits it together with the idempotency marker, so a redelivered or redriven command changes nothing.
 */
export const auditCommand: MessageHandler<MessageOf<typeof ORDER_COMMANDS>> = (
  message,
  { record },
): Decision => ({
  writes: [
    {
      Put: {
        TableName: tableName(TABLE_VARIABLES.audit),
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
});

export const handler = consumer({
  name: 'audit',
  topics: ['orders.commands'],
  accepts: ORDER_COMMANDS,
  tables: { [TABLE_VARIABLES.audit]: TABLE_ACCESS.write },
  handle: auditCommand,
});

/** The audit trail relies on the envelope only: it stores any command's data as it is. */
export const expectations: ConsumerExpectation[] = [
  {
    consumer: 'audit',
    topic: 'orders.commands',
    messages: { PlaceOrder: z.object({}), CancelOrder: z.object({}), ConfirmOrder: z.object({}) },
  },
];
