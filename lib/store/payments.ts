import { type DynamoDBDocumentClient, GetCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { type ABSENT, putIfStatus, stableId, type TransactItem } from '@msk-patterns/pipeline';
import {
  type ChargeRequest,
  type ChargeResult,
  declineReason,
  type Payment,
  type PaymentProvider,
  type PaymentStatus,
  ProviderUnavailableError,
  type RefundRequest,
} from '../domain/payment.js';

const paymentKey = (orderId: string) => `payment#${orderId}`;
const LEDGER_PREFIX = 'provider#';

/** Our payment records (`payment#<orderId>`), written in the pipeline's transaction. */
export class PaymentStore {
  constructor(
    readonly client: DynamoDBDocumentClient,
    readonly table: string,
  ) {}

  async get(orderId: string): Promise<Payment | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.table, Key: { id: paymentKey(orderId) }, ConsistentRead: true }),
    );
    return Item as Payment | undefined;
  }

  /** Write the payment record, conditioned on the status it was decided on. */
  putItems(payment: Payment, expected: PaymentStatus | typeof ABSENT): TransactItem[] {
    return [putIfStatus(this.table, { id: paymentKey(payment.orderId), ...payment }, expected)];
  }
}

export interface SimulatedProviderOptions {
  /** a charge above this (minor units) is declined */
  customerLimit: number;
  /** share of calls that fail with ProviderUnavailableError, half of them after the effect happened */
  failureRate: number;
  random?: () => number;
}

/** Options from the environment: PAYMENT_CUSTOMER_LIMIT, PAYMENT_PROVIDER_FAILURE_RATE. */
export function simulatedProviderOptions(
  env: Readonly<Record<string, string | undefined>>,
): SimulatedProviderOptions {
  return {
    customerLimit: Number(env.PAYMENT_CUSTOMER_LIMIT ?? 100_000),
    failureRate: Number(env.PAYMENT_PROVIDER_FAILURE_RATE ?? 0),
  };
}

interface LedgerEntry {
  id: string;
  kind: 'charge' | 'refund';
  idempotencyKey: string;
  amount: number;
  reference: string;
  customerId?: string;
}

/**
 * A stand-in for a card provider with deterministic rules. Its ledger — the money that really moved —
 * lives in its own items (`provider#…`) written outside our transactions, as a real provider's would
 * be: that is why the payment function uses claim-mode idempotency. It honours idempotency keys: the
 * same key returns the first result and moves no money twice.
 */
export class SimulatedPaymentProvider implements PaymentProvider {
  readonly #random: () => number;
  /** transient failures injected so far (for the demo's counts) */
  injectedFailures = 0;

  constructor(
    readonly client: DynamoDBDocumentClient,
    readonly table: string,
    readonly options: SimulatedProviderOptions,
  ) {
    this.#random = options.random ?? Math.random;
  }

  /** Fails before the effect, after it, or not at all. */
  async #unreliably<T>(effect: () => Promise<T>): Promise<T> {
    const failing = this.#random() < this.options.failureRate;
    const afterEffect = failing && this.#random() < 0.5;
    if (failing) this.injectedFailures++;
    if (failing && !afterEffect) throw new ProviderUnavailableError('payment provider unavailable (503)');
    const result = await effect();
    if (afterEffect)
      throw new ProviderUnavailableError('payment provider timed out after accepting the call');
    return result;
  }

  /** Record the entry unless the key was used; either way return what the key stands for. */
  async #record(entry: LedgerEntry): Promise<LedgerEntry> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: entry,
          ConditionExpression: 'attribute_not_exists(id)',
        }),
      );
      return entry;
    } catch (error) {
      if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
      const { Item } = await this.client.send(
        new GetCommand({ TableName: this.table, Key: { id: entry.id }, ConsistentRead: true }),
      );
      return Item as LedgerEntry;
    }
  }

  charge(request: ChargeRequest): Promise<ChargeResult> {
    return this.#unreliably(async () => {
      const reason = declineReason(request.amount, this.options.customerLimit);
      if (reason) return { status: 'declined', reason };
      const entry = await this.#record({
        id: `${LEDGER_PREFIX}charge#${request.idempotencyKey}`,
        kind: 'charge',
        idempotencyKey: request.idempotencyKey,
        amount: request.amount,
        reference: `pay_${stableId(request.idempotencyKey).slice(0, 13).replace('-', '')}`,
        customerId: request.customerId,
      });
      return { status: 'charged', paymentId: entry.reference };
    });
  }

  refund(request: RefundRequest): Promise<{ refundId: string }> {
    return this.#unreliably(async () => {
      const entry = await this.#record({
        id: `${LEDGER_PREFIX}refund#${request.idempotencyKey}`,
        kind: 'refund',
        idempotencyKey: request.idempotencyKey,
        amount: request.amount,
        reference: request.paymentId,
      });
      return { refundId: entry.id };
    });
  }

  /** Money moved per kind, over the whole ledger (for invariant checks). */
  async totals(
    filter: (entry: LedgerEntry) => boolean = () => true,
  ): Promise<{ charged: number; refunded: number }> {
    const totals = { charged: 0, refunded: 0 };
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new ScanCommand({
          TableName: this.table,
          FilterExpression: 'begins_with(id, :prefix)',
          ExpressionAttributeValues: { ':prefix': LEDGER_PREFIX },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      for (const entry of (page.Items ?? []) as LedgerEntry[]) {
        if (!filter(entry)) continue;
        if (entry.kind === 'charge') totals.charged += entry.amount;
        else totals.refunded += entry.amount;
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return totals;
  }
}
