import { getDocumentClient, tableName } from '@msk-patterns/pipeline';
import { TABLE_VARIABLES } from '../../lib/deploy/tables.js';
import { SagaStore } from '../../lib/store/sagas.js';

let store: SagaStore | undefined;

/** The sagas table, created on first use (the table name comes from the environment). */
export function sagaStore(): SagaStore {
  store ??= new SagaStore(getDocumentClient(), tableName(TABLE_VARIABLES.sagas));
  return store;
}

/** How long each waiting state waits for its answer (SAGA_STEP_TIMEOUT_SECONDS). */
export const stepTimeoutMs = (): number => Number(process.env.SAGA_STEP_TIMEOUT_SECONDS ?? 300) * 1000;
