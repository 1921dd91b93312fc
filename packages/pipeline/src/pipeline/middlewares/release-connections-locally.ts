import type { MiddlewareObj } from '@middy/core';
import type { ServiceContext } from '../service-context.js';

/**
 * Under `serverless invoke local` (which sets IS_LOCAL=true) the handler runs in a plain Node process
 * that exits only when its event loop is empty; an open Kafka connection would keep it alive forever.
 * In Lambda the container is frozen after the response and the connection is reused, so this
 * middleware does nothing there.
 *
 * @param service - the context whose connections close, and whose environment says whether it runs locally
 * @example
 * ```ts
 * export const handler = middy(sweep).use(releaseConnectionsLocally(service));
 * ```
 */
export function releaseConnectionsLocally(service: ServiceContext): MiddlewareObj {
  const releaseWhenLocal = async () => {
    if (service.environment.IS_LOCAL === 'true') await service.release();
  };
  return { name: 'releaseConnectionsLocally', after: releaseWhenLocal, onError: releaseWhenLocal };
}
