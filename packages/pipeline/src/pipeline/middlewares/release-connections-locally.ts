import type { MiddlewareObj } from '@middy/core';

/**
 * Under `serverless invoke local` (which sets IS_LOCAL=true) the handler runs in a plain Node process
 * that exits only when its event loop is empty; an open Kafka connection would keep it alive forever.
 * In Lambda the container is frozen after the response and the connection is reused, so this
 * middleware does nothing there.
 *
 * @param release - closes what the invocation opened
 */
export function releaseConnectionsLocally(release: () => Promise<void>): MiddlewareObj {
  const isLocal = () => process.env.IS_LOCAL === 'true';
  const releaseWhenLocal = async () => {
    if (isLocal()) await release();
  };
  return { name: 'releaseConnectionsLocally', after: releaseWhenLocal, onError: releaseWhenLocal };
}
