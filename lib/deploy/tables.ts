import { IDEMPOTENCY_TABLE_VARIABLE } from '@msk-patterns/pipeline';

/**
 * The environment variables that name the service's DynamoDB tables (serverless.yml
 * `provider.environment`). Code reads a table's name with `tableName(TABLE_VARIABLES.x)`, and access
 * declarations name tables the same way, so the role a function gets and the tables it opens agree.
 */
export const TABLE_VARIABLES = {
  audit: 'AUDIT_TABLE',
  idempotency: IDEMPOTENCY_TABLE_VARIABLE,
  eventStore: 'EVENT_STORE_TABLE',
  orderViews: 'ORDER_VIEWS_TABLE',
  sagas: 'SAGAS_TABLE',
  inventory: 'INVENTORY_TABLE',
  payments: 'PAYMENTS_TABLE',
} as const;

export type TableVariable = (typeof TABLE_VARIABLES)[keyof typeof TABLE_VARIABLES];
