import {
  ABSENT,
  type ConsumerExpectation,
  type ConsumerOptions,
  consumer,
  type Decision,
  type MessageHandler,
  type MessageOf,
  type ProducerDeclaration,
  perServiceContext,
  publishedTopics,
  TABLE_ACCESS,
} from '@msk-patterns/pipeline';
import * as z from 'zod/mini';
import { keyedByOrderId, orderReply } from '../../lib/contracts/by-order.js';
import { contracts } from '../../lib/contracts/index.js';
import { PAYMENT_COMMANDS } from '../../lib/contracts/payments.js';
import { TABLE_VARIABLES } from '../../lib/deploy/tables.js';
import { PAYMENT_STATUS, type PaymentProvider } from '../../lib/domain/payment.js';
import {
  PaymentStore,
  SimulatedPaymentProvider,
  simulatedProviderOptions,
} from '../../lib/store/payments.js';

/** The payments table of a service context. */
export const paymentStore = perServiceContext(
  (service) => new PaymentStore(service.documentClient, service.tableName(TABLE_VARIABLES.payments)),
);

/** The provider behind the interface: the simulated one, unless a test provides its context another. */
export const paymentProvider = perServiceContext(
  (service): PaymentProvider =>
    new SimulatedPaymentProvider(
      service.documentClient,
      service.tableName(TABLE_VARIABLES.payments),
      simulatedProviderOptions(service.environment),
    ),
);

const answer = orderReply('payments.events');

/**
 * Payment participant. The provider call happens outside DynamoDB, so the pipeline runs this in claim
 * mode (claim → call → complete); the provider's own idempotency key (per order and operation) makes a
 * call repeated after a crash or a time-out move no money twice. A refund before any charge voids the
 * order, so a charge arriving later is declined instead of taken.
 */
export const handlePaymentCommand: MessageHandler<MessageOf<typeof PAYMENT_COMMANDS>> = async (
  command,
  { service },
): Promise<Decision> => {
  const { orderId } = command.data;
  const store = paymentStore(service);
  const provider = paymentProvider(service);
  const payment = await store.get(orderId);
  if (command.type === 'ChargePayment') {
    const { customerId, amount, currency } = command.data;
    if (payment?.status === PAYMENT_STATUS.charged)
      return {
        messages: [
          answer('PaymentCompleted', {
            orderId,
            paymentId: payment.paymentId ?? orderId,
            amount: payment.amount,
            currency,
          }),
        ],
      };
    if (payment)
      return {
        messages: [
          answer('PaymentDeclined', {
            orderId,
            reason: payment.reason ?? `the payment is ${payment.status}`,
          }),
        ],
      };
    const result = await provider.charge({
      idempotencyKey: `charge:${orderId}`,
      customerId,
      amount,
      currency,
    });
    if (result.status === 'declined')
      return {
        writes: store.putItems(
          {
            orderId,
            status: PAYMENT_STATUS.declined,
            amount: 0,
            currency,
            refunded: 0,
            reason: result.reason,
          },
          ABSENT,
        ),
        messages: [answer('PaymentDeclined', { orderId, reason: result.reason })],
      };
    return {
      writes: store.putItems(
        {
          orderId,
          status: PAYMENT_STATUS.charged,
          amount,
          currency,
          paymentId: result.paymentId,
          refunded: 0,
        },
        ABSENT,
      ),
      messages: [answer('PaymentCompleted', { orderId, paymentId: result.paymentId, amount, currency })],
    };
  }

  // RefundPayment
  if (!payment)
    return {
      writes: store.putItems(
        {
          orderId,
          status: PAYMENT_STATUS.voided,
          amount: 0,
          refunded: 0,
          reason: `voided: ${command.data.reason}`,
        },
        ABSENT,
      ),
      messages: [answer('PaymentRefunded', { orderId, amount: 0 })],
    };
  if (payment.status !== PAYMENT_STATUS.charged)
    return { messages: [answer('PaymentRefunded', { orderId, amount: payment.refunded })] };
  await provider.refund({
    idempotencyKey: `refund:${orderId}`,
    paymentId: payment.paymentId ?? orderId,
    amount: payment.amount,
  });
  return {
    writes: store.putItems(
      { ...payment, status: PAYMENT_STATUS.refunded, refunded: payment.amount, reason: command.data.reason },
      PAYMENT_STATUS.charged,
    ),
    messages: [answer('PaymentRefunded', { orderId, amount: payment.amount })],
  };
};

export const produces: ProducerDeclaration[] = [
  {
    producer: 'payments',
    topic: 'payments.events',
    types: ['PaymentCompleted', 'PaymentDeclined', 'PaymentRefunded'],
    key: keyedByOrderId,
  },
];

/** The participant's pipeline options (the tests drive the same ones): claim mode, the provider is outside. */
export const paymentsConsumer = {
  registry: contracts,
  publishes: publishedTopics(produces),
  name: 'payments',
  accepts: PAYMENT_COMMANDS,
  tables: { [TABLE_VARIABLES.payments]: TABLE_ACCESS.write },
  mode: 'claim',
  handle: handlePaymentCommand,
} as const satisfies ConsumerOptions<typeof PAYMENT_COMMANDS>;

export const handler = consumer(paymentsConsumer);

export const expectations: ConsumerExpectation[] = [
  {
    consumer: 'payments',
    topic: 'payments.commands',
    messages: {
      ChargePayment: z.object({
        orderId: z.string(),
        customerId: z.string(),
        amount: z.int(),
        currency: z.string(),
      }),
      RefundPayment: z.object({ orderId: z.string(), reason: z.string() }),
    },
    key: keyedByOrderId,
  },
];
