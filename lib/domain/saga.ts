import {
  type Acknowledgement,
  ALLOWED_TRANSITIONS,
  IllegalSagaTransitionError,
  isTerminal,
  MAX_DEADLINE_ATTEMPTS,
  SAGA_CAUSES,
  SAGA_STATES,
  type Saga,
  type SagaCause,
  type SagaClock,
  type SagaCommand,
  type SagaOrder,
  type SagaStateName,
  type SagaStep,
  type SagaTrigger,
} from './saga-types.js';

export * from './saga-types.js';

const { reserving, charging, confirming, compensating, completed, cancelled, failed } = SAGA_STATES;

const money = (minor: number, currency: string) => `${(minor / 100).toFixed(2)} ${currency}`;

const command = {
  reserve: (order: SagaOrder): SagaCommand => ({
    topic: 'inventory.commands',
    type: 'ReserveStock',
    version: 1,
    data: {
      orderId: order.orderId,
      items: order.items.map(({ sku, quantity }) => ({ sku, quantity })),
    },
  }),
  release: (orderId: string, reason: string): SagaCommand => ({
    topic: 'inventory.commands',
    type: 'ReleaseStock',
    version: 1,
    data: { orderId, reason },
  }),
  commit: (orderId: string): SagaCommand => ({
    topic: 'inventory.commands',
    type: 'CommitStock',
    version: 1,
    data: { orderId },
  }),
  charge: (order: SagaOrder): SagaCommand => ({
    topic: 'payments.commands',
    type: 'ChargePayment',
    version: 1,
    data: {
      orderId: order.orderId,
      customerId: order.customerId,
      amount: order.total,
      currency: order.currency,
    },
  }),
  refund: (orderId: string, reason: string): SagaCommand => ({
    topic: 'payments.commands',
    type: 'RefundPayment',
    version: 1,
    data: { orderId, reason },
  }),
  confirm: (orderId: string): SagaCommand => ({
    topic: 'orders.commands',
    type: 'ConfirmOrder',
    version: 1,
    data: { orderId },
  }),
  cancel: (orderId: string, reason: string): SagaCommand => ({
    topic: 'orders.commands',
    type: 'CancelOrder',
    version: 1,
    data: { orderId, reason },
  }),
};

/** The command that asks for an acknowledgement again. */
function compensation(saga: Saga, awaited: Acknowledgement, reason: string): SagaCommand {
  switch (awaited) {
    case 'StockReleased':
      return command.release(saga.orderId, reason);
    case 'PaymentRefunded':
      return command.refund(saga.orderId, reason);
    case 'OrderCancelled':
      return command.cancel(saga.orderId, reason);
  }
}

function moved(
  saga: Saga,
  to: SagaStateName,
  changes: Partial<Saga>,
  commands: SagaCommand[],
  note: string,
  clock: SagaClock,
): SagaStep {
  if (!(ALLOWED_TRANSITIONS[saga.state] as readonly SagaStateName[]).includes(to))
    throw new IllegalSagaTransitionError(saga.orderId, saga.state, to);
  const next: Saga = {
    ...saga,
    ...changes,
    state: to,
    version: saga.version + 1,
    attempts: to === saga.state ? (changes.attempts ?? saga.attempts) : 0,
    updatedAt: new Date(clock.now).toISOString(),
  };
  if (isTerminal(to)) delete next.deadlineAt;
  else if (to !== saga.state || changes.attempts !== undefined)
    next.deadlineAt = clock.now + clock.stepTimeoutMs;
  return { kind: 'moved', saga: next, from: saga.state, commands, note };
}

/**
 * Undo what was done, in reverse: refund if charged (or possibly charged), release if reserved (or
 * possibly reserved), cancel the order unless it already is. Waits for each acknowledgement.
 */
function compensate(
  saga: Saga,
  cause: SagaCause,
  reason: string,
  clock: SagaClock,
  undo: { stock: boolean; payment: boolean },
  extra: Partial<Saga> = {},
): SagaStep {
  const changes = { ...extra, cause };
  const orderCancelled = changes.orderCancelled ?? saga.orderCancelled;
  const pending: Acknowledgement[] = [];
  if (undo.payment) pending.push('PaymentRefunded');
  if (undo.stock) pending.push('StockReleased');
  if (!orderCancelled) pending.push('OrderCancelled');
  const next = { ...saga, ...changes };
  const commands = pending.map((awaited) => compensation(next, awaited, reason));
  if (pending.length === 0) {
    return moved(saga, cancelled, { ...changes, pending, outcome: reason }, [], reason, clock);
  }
  return moved(
    saga,
    compensating,
    { ...changes, pending, outcome: reason },
    commands,
    `${reason}; compensating: ${commands.map((sent) => sent.type).join(', ')}`,
    clock,
  );
}

/** A compensation's answer arrived: tick it off, and finish when nothing is pending. */
function acknowledge(
  saga: Saga,
  answer: Acknowledgement,
  clock: SagaClock,
  changes: Partial<Saga>,
): SagaStep {
  if (!saga.pending.includes(answer)) {
    if (Object.keys(changes).length === 0)
      return { kind: 'ignored', reason: `${answer} was not awaited in ${saga.state}` };
    return moved(saga, saga.state, changes, [], `${answer} noted`, clock);
  }
  const pending = saga.pending.filter((awaited) => awaited !== answer);
  if (pending.length > 0)
    return moved(
      saga,
      compensating,
      { ...changes, pending },
      [],
      `${answer}; still waiting for ${pending.join(', ')}`,
      clock,
    );
  return moved(
    saga,
    cancelled,
    { ...changes, pending },
    [],
    `${answer}; compensation complete: ${saga.outcome}`,
    clock,
  );
}

/**
 * Stock held or money taken while compensating: covered when its undo is still pending (it is queued
 * behind the effect on the participant's topic, same key); otherwise undo it too and wait for that.
 */
function undoLate(saga: Saga, undo: 'StockReleased' | 'PaymentRefunded', clock: SagaClock): SagaStep {
  if (saga.pending.includes(undo)) return { kind: 'ignored', reason: `${undo} is already awaited` };
  const sent = compensation(saga, undo, saga.outcome);
  return moved(
    saga,
    compensating,
    { pending: [...saga.pending, undo] },
    [sent],
    `late effect while compensating: ${sent.type} sent`,
    clock,
  );
}

/** A saga that is already finished reacts only to what would leave something held or charged. */
function afterTheEnd(saga: Saga, trigger: SagaTrigger, clock: SagaClock): SagaStep {
  if (saga.state !== completed && trigger.type === 'StockReserved')
    return moved(
      saga,
      saga.state,
      {},
      [command.release(saga.orderId, `late reservation after the saga ended ${saga.state}`)],
      'late StockReserved after the end: released',
      clock,
    );
  if (saga.state !== completed && trigger.type === 'PaymentCompleted')
    return moved(
      saga,
      saga.state,
      {},
      [command.refund(saga.orderId, `late charge after the saga ended ${saga.state}`)],
      'late PaymentCompleted after the end: refunded',
      clock,
    );
  return { kind: 'ignored', reason: `${trigger.type} after the saga ended ${saga.state}` };
}

/** A new saga, from the order that was placed: reserve its stock first. */
function start(order: SagaOrder, clock: SagaClock): SagaStep {
  const at = new Date(clock.now).toISOString();
  const saga: Saga = {
    orderId: order.orderId,
    state: reserving,
    version: 1,
    order,
    pending: [],
    reserved: false,
    charged: false,
    orderCancelled: false,
    outcome: 'waiting for the stock reservation',
    deadlineAt: clock.now + clock.stepTimeoutMs,
    attempts: 0,
    startedAt: at,
    updatedAt: at,
  };
  return {
    kind: 'moved',
    saga,
    from: 'none',
    commands: [command.reserve(order)],
    note: `order placed (${money(order.total, order.currency)}): reserving stock`,
  };
}

/** A state's deadline passed: compensate, or (confirming, compensating) ask again a bounded number of times. */
function expire(saga: Saga, clock: SagaClock): SagaStep {
  if (saga.deadlineAt === undefined || saga.deadlineAt > clock.now)
    return { kind: 'ignored', reason: `the ${saga.state} deadline has not passed` };
  const seconds = Math.round(clock.stepTimeoutMs / 1000);
  const attempts = saga.attempts + 1;
  switch (saga.state) {
    case reserving:
      return compensate(
        saga,
        SAGA_CAUSES.timeout,
        `no answer to the stock reservation within ${seconds} s`,
        clock,
        {
          stock: true,
          payment: false,
        },
      );
    case charging:
      return compensate(saga, SAGA_CAUSES.timeout, `no answer to the payment within ${seconds} s`, clock, {
        stock: true,
        payment: true,
      });
    case confirming:
      // Stock and money are settled; the order aggregate decides between confirm and a customer cancel.
      if (attempts > MAX_DEADLINE_ATTEMPTS)
        return moved(
          saga,
          failed,
          { outcome: `the order was not confirmed after ${MAX_DEADLINE_ATTEMPTS} attempts` },
          [],
          'confirmation attempts exhausted',
          clock,
        );
      return moved(
        saga,
        confirming,
        { attempts },
        [command.confirm(saga.orderId)],
        `no OrderConfirmed within ${seconds} s: ConfirmOrder sent again (attempt ${attempts + 1})`,
        clock,
      );
    case compensating: {
      if (attempts > MAX_DEADLINE_ATTEMPTS)
        return moved(
          saga,
          failed,
          {
            outcome: `${saga.outcome}; compensation incomplete after ${MAX_DEADLINE_ATTEMPTS} attempts, still waiting for ${saga.pending.join(', ')}`,
          },
          [],
          'compensation attempts exhausted',
          clock,
        );
      const commands = saga.pending.map((awaited) => compensation(saga, awaited, saga.outcome));
      return moved(
        saga,
        compensating,
        { attempts },
        commands,
        `compensation not acknowledged within ${seconds} s: ${commands.map((sent) => sent.type).join(', ')} sent again`,
        clock,
      );
    }
    default:
      return { kind: 'ignored', reason: `${saga.state} has no deadline` };
  }
}

/**
 * The whole machine: given the saga (undefined before OrderPlaced) and what happened, the next saga
 * and the commands to send — or why the trigger changes nothing. Never moves a finished saga.
 */
export function transition(saga: Saga | undefined, trigger: SagaTrigger, clock: SagaClock): SagaStep {
  if (!saga) {
    if (trigger.type === 'OrderPlaced') return start(trigger.data, clock);
    return { kind: 'ignored', reason: `${trigger.type} for an order with no saga` };
  }
  if (trigger.type === 'DeadlineExpired')
    return isTerminal(saga.state) ? afterTheEnd(saga, trigger, clock) : expire(saga, clock);
  if (isTerminal(saga.state)) return afterTheEnd(saga, trigger, clock);

  switch (trigger.type) {
    case 'OrderPlaced':
      return { kind: 'ignored', reason: 'the saga of this order has already started' };

    case 'StockReserved':
      if (saga.state === compensating) return undoLate(saga, 'StockReleased', clock);
      if (saga.state !== reserving) return { kind: 'ignored', reason: `StockReserved in ${saga.state}` };
      return moved(
        saga,
        charging,
        { reserved: true, outcome: 'waiting for the payment' },
        [command.charge(saga.order)],
        `stock reserved: charging ${money(saga.order.total, saga.order.currency)}`,
        clock,
      );

    case 'StockRejected':
      if (saga.state !== reserving) return { kind: 'ignored', reason: `StockRejected in ${saga.state}` };
      return compensate(saga, SAGA_CAUSES.outOfStock, `stock rejected: ${trigger.data.reason}`, clock, {
        stock: false,
        payment: false,
      });

    case 'PaymentCompleted':
      if (saga.state === compensating) return undoLate(saga, 'PaymentRefunded', clock);
      if (saga.state !== charging) return { kind: 'ignored', reason: `PaymentCompleted in ${saga.state}` };
      return moved(
        saga,
        confirming,
        { charged: true, paymentId: trigger.data.paymentId, outcome: 'waiting for the order confirmation' },
        [command.confirm(saga.orderId)],
        `payment ${trigger.data.paymentId} completed: confirming the order`,
        clock,
      );

    case 'PaymentDeclined':
      if (saga.state !== charging) return { kind: 'ignored', reason: `PaymentDeclined in ${saga.state}` };
      return compensate(saga, SAGA_CAUSES.declined, `payment declined: ${trigger.data.reason}`, clock, {
        stock: true,
        payment: false,
      });

    case 'OrderConfirmed':
      if (saga.state !== confirming) return { kind: 'ignored', reason: `OrderConfirmed in ${saga.state}` };
      return moved(
        saga,
        completed,
        { outcome: `confirmed: ${money(saga.order.total, saga.order.currency)} charged (${saga.paymentId})` },
        [command.commit(saga.orderId)],
        'order confirmed: stock committed as sold',
        clock,
      );

    case 'OrderCancelled':
      if (saga.state === compensating)
        return acknowledge(saga, 'OrderCancelled', clock, { orderCancelled: true });
      // The customer cancelled while the saga was running: undo whatever may have been done.
      return compensate(
        saga,
        SAGA_CAUSES.customer,
        `cancelled by the customer: ${trigger.data.reason}`,
        clock,
        { stock: true, payment: saga.state !== reserving },
        { orderCancelled: true },
      );

    case 'OrderRejected':
      return { kind: 'ignored', reason: `${trigger.data.command} was rejected: ${trigger.data.reason}` };

    case 'StockReleased':
      if (saga.state !== compensating) return { kind: 'ignored', reason: `StockReleased in ${saga.state}` };
      return acknowledge(saga, 'StockReleased', clock, {});

    case 'PaymentRefunded':
      if (saga.state !== compensating) return { kind: 'ignored', reason: `PaymentRefunded in ${saga.state}` };
      return acknowledge(saga, 'PaymentRefunded', clock, {});

    case 'StockCommitted':
      return { kind: 'ignored', reason: `StockCommitted in ${saga.state}` };
  }
}
