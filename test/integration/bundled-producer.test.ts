import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { createServiceContext } from '@msk-patterns/pipeline';
import { build } from 'esbuild';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { bundleOptions } from '../../local/bundle-options.js';
import { createTestTopic, readTopic } from '../support/kafka.js';
import { unique } from '../support/pipeline.js';

const folder = mkdtempSync(join(tmpdir(), 'bundled-producer-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe('the publisher as packaged (kafkajs producer-only, serverless.yml esbuild options)', () => {
  it('publishes to the broker: key, value and headers arrive as sent', async () => {
    // Prepare: our publisher bundled as every function bundles it, from the pipeline package's entry
    // point; KAFKA_BROKERS from the test environment.
    const outfile = join(folder, 'publisher.cjs');
    await build({
      ...bundleOptions(),
      stdin: {
        contents: "export { createServiceContext } from '@msk-patterns/pipeline';",
        resolveDir: resolve('.'),
        loader: 'ts',
      },
      outfile,
      logLevel: 'error',
    });
    const bundled: { createServiceContext: typeof createServiceContext } = createRequire(import.meta.url)(
      outfile,
    );
    const publisher = bundled.createServiceContext().publisher;
    const topic = await createTestTopic(inject('kafkaBrokers'), unique('bundled-producer'));
    const key = unique('key');

    // Act
    try {
      await publisher.publish([{ topic, key, value: '{"sent":"as is"}', headers: { 'x-test': 'bundled' } }]);
    } finally {
      await publisher.disconnect();
    }

    // Assess
    const read = await readTopic(
      inject('kafkaBrokers'),
      topic,
      (message) => message.key === key,
      (matched) => matched.length > 0,
    );
    expect(read).toEqual([
      expect.objectContaining({ key, value: '{"sent":"as is"}', headers: { 'x-test': 'bundled' } }),
    ]);
  });
});
