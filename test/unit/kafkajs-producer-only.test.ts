import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { Kafka } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { kafkajsProducerOnly, LEFT_OUT_ERROR_NAME } from '../../bundle/kafkajs-producer-only.js';
import { bundleOptions } from '../../local/bundle-options.js';

const folder = mkdtempSync(join(tmpdir(), 'kafkajs-producer-only-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** kafkajs bundled with serverless.yml's esbuild options, with or without their plugins. */
async function bundledKafkajs(name: string, withPlugins: boolean) {
  const entry = join(folder, `${name}.mjs`);
  writeFileSync(entry, "export { Kafka } from 'kafkajs';\n");
  const outfile = join(folder, `${name}.cjs`);
  const options = bundleOptions();
  await build({
    ...options,
    entryPoints: [entry],
    outfile,
    nodePaths: [join(process.cwd(), 'node_modules')],
    logLevel: 'error',
    plugins: withPlugins ? options.plugins : [],
  });
  const bundled: { Kafka: typeof Kafka } = createRequire(import.meta.url)(outfile);
  return { Kafka: bundled.Kafka, kb: statSync(outfile).size / 1024 };
}

describe('kafkajs in the packaged bundle (bundle/kafkajs-producer-only.ts)', () => {
  it('leaves out the consumer and the admin client, which say so by name if a function ever creates one', async () => {
    // Prepare
    const trimmed = await bundledKafkajs('trimmed', true);
    const whole = await bundledKafkajs('whole', false);
    const brokers = ['127.0.0.1:9'];

    // Act
    const consumer = () => new trimmed.Kafka({ brokers }).consumer({ groupId: 'g' });
    const admin = () => new trimmed.Kafka({ brokers }).admin();

    // Assess
    expect(consumer).toThrow(
      expect.objectContaining({ name: LEFT_OUT_ERROR_NAME, message: expect.stringMatching(/consumer/) }),
    );
    expect(admin).toThrow(
      expect.objectContaining({ name: LEFT_OUT_ERROR_NAME, message: expect.stringMatching(/admin/) }),
    );
    expect(typeof new trimmed.Kafka({ brokers }).producer().send).toBe('function');
    // The control: the same bundle without the plugin has both, and is >100 KB larger.
    expect(typeof new whole.Kafka({ brokers }).consumer({ groupId: 'g' }).subscribe).toBe('function');
    expect(typeof new whole.Kafka({ brokers }).admin().createTopics).toBe('function');
    expect(whole.kb - trimmed.kb).toBeGreaterThan(100);
  });

  it('fails the build when kafkajs no longer has the layout it leaves parts out of', async () => {
    // Prepare: a kafkajs whose client requires a consumer but no admin client.
    const project = join(folder, 'other-layout');
    mkdirSync(join(project, 'node_modules', 'kafkajs', 'src'), { recursive: true });
    writeFileSync(
      join(project, 'node_modules', 'kafkajs', 'package.json'),
      '{"name":"kafkajs","main":"src/index.js"}',
    );
    writeFileSync(join(project, 'node_modules', 'kafkajs', 'src', 'index.js'), "require('./consumer');\n");
    writeFileSync(join(project, 'node_modules', 'kafkajs', 'src', 'consumer.js'), 'module.exports = {};\n');
    writeFileSync(join(project, 'entry.js'), "require('kafkajs');\n");

    // Act
    const bundling = build({
      absWorkingDir: project,
      entryPoints: ['entry.js'],
      bundle: true,
      write: false,
      platform: 'node',
      logLevel: 'silent',
      plugins: [kafkajsProducerOnly()],
    });

    // Assess
    await expect(bundling).rejects.toThrow(
      /kafkajs' layout is not the one .* expects \(left out: consumer\)/,
    );
  });
});
