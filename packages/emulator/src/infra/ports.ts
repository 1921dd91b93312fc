import { createServer } from 'node:net';

/** Ask the kernel for a free loopback port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Two different free loopback ports: asked one after the other while the first is still held, so the
 * kernel cannot hand out the same one twice.
 */
export function twoFreePorts(): Promise<[number, number]> {
  return new Promise((resolve, reject) => {
    const first = createServer();
    first.unref();
    first.once('error', reject);
    first.listen(0, '127.0.0.1', () => {
      const address = first.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      freePort().then(
        (other) => first.close(() => resolve([port, other])),
        (error: unknown) => first.close(() => reject(error)),
      );
    });
  });
}

/** True when nothing listens on the port (both services bind every interface, so test that). */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, () => server.close(() => resolve(true)));
  });
}
