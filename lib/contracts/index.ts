import { ContractRegistry } from '@msk-patterns/pipeline';
import { INVENTORY_COMMANDS, INVENTORY_EVENTS } from './inventory.js';
import { ORDER_EVENTS } from './order-events.js';
import { ORDER_COMMANDS } from './orders.js';
import { PAYMENT_COMMANDS, PAYMENT_EVENTS } from './payments.js';
import { SAGA_DEADLINES } from './sagas.js';
import { PRODUCE_VALIDATED_TOPICS } from './topics.js';

/** Every contract of the project; the registry is the one place topics' message types are known. */
export const contracts = new ContractRegistry(
  [
    ...ORDER_COMMANDS,
    ...ORDER_EVENTS,
    ...INVENTORY_COMMANDS,
    ...INVENTORY_EVENTS,
    ...PAYMENT_COMMANDS,
    ...PAYMENT_EVENTS,
    ...SAGA_DEADLINES,
  ],
  { validatedOnPublish: PRODUCE_VALIDATED_TOPICS },
);
