import { perServiceContext, type ServiceContext } from '@msk-patterns/pipeline';
import { TABLE_VARIABLES } from '../../lib/deploy/tables.js';
import { SagaStore } from '../../lib/store/sagas.js';

/** The sagas table of a service context. */
export const sagaStore = perServiceContext(
  (service) => new SagaStore(service.documentClient, service.tableName(TABLE_VARIABLES.sagas)),
);

/** How long each waiting state waits for its answer (SAGA_STEP_TIMEOUT_SECONDS). */
export const stepTimeoutMs = (service: ServiceContext): number =>
  Number(service.environment.SAGA_STEP_TIMEOUT_SECONDS ?? 300) * 1000;
