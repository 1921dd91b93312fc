import { createServer } from 'node:net';

/** A free loopback port, held until `release` (so that a second ask cannot get it too). */
function holdFreePort(): Promise<{ port: number; release: () => Promise<void> }> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      resolve({ port, release: () => new Promise((done) => server.close(() => done())) });
    });
  });
}

/** Ask the kernel for a free loopback port. */
export async function freePort(): Promise<number> {
  const { port, release } = await holdFreePort();
  await release();
  return port;
}

/**
 * Two different free loopback ports: asked one after the other while the first is still held, so the
 * kernel cannot hand out the same one twice.
 */
export async function twoFreePorts(): Promise<[number, number]> {
  const first = await holdFreePort();
  try {
    return [first.port, await freePort()];
  } finally {
    await first.release();
  }
}

/** True when nothing listens on the port (both services bind every interface, so test that). */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, () => server.close(() => resolve(true)));
  });
}
