import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Plugin } from 'esbuild';

/**
 * The kafkajs requests a producer sends (kafkajs 2.x, `src/protocol/requests/<name>`): the broker's
 * API versions, metadata, produce, the idempotent producer's id, and the SASL handshake (MSK IAM).
 */
const PRODUCER_REQUESTS: readonly string[] = [
  'apiVersions',
  'metadata',
  'produce',
  'initProducerId',
  'saslHandshake',
  'saslAuthenticate',
];

/** The kafkajs clients no function creates: `kafka.consumer()` and `kafka.admin()`. */
const LEFT_OUT_CLIENTS: readonly string[] = ['consumer', 'admin'];

/** The name of the error a left-out part throws when something uses it after all. */
export const LEFT_OUT_ERROR_NAME = 'KafkajsPartLeftOutError';

const NAMESPACE = 'kafkajs-left-out';
const KAFKAJS_INDEX = /[\\/]node_modules[\\/]kafkajs[\\/]src[\\/]index\.js$/;
const KAFKAJS_REQUESTS = /[\\/]node_modules[\\/]kafkajs[\\/]src[\\/]protocol[\\/]requests[\\/]index\.js$/;
const RELATIVE_NAME = /^\.\/(\w+)$/;

function throwing(part: string): string {
  const message = `kafkajs' ${part} is left out of this bundle: the functions only produce (bundle/kafkajs-producer-only.ts)`;
  return `() => { const error = new Error(${JSON.stringify(message)}); error.name = ${JSON.stringify(LEFT_OUT_ERROR_NAME)}; throw error; }`;
}

/**
 * esbuild plugin: bundles kafkajs without its consumer, its admin client and the protocol requests
 * only they send. kafkajs is CommonJS, whose `require`s esbuild cannot tree-shake, so every function
 * would otherwise carry all of it (266 KB minified) to publish through a producer (140 KB).
 *
 * A left-out client is a function that throws {@link LEFT_OUT_ERROR_NAME}; a left-out request has no
 * versions, as kafkajs' own unimplemented requests have, and throws the same error when looked up.
 * The build fails if kafkajs is bundled but its layout no longer matches (a new major version), rather
 * than quietly bundling everything.
 */
export function kafkajsProducerOnly(): Plugin {
  return {
    name: 'kafkajs-producer-only',
    setup(build) {
      let kafkajsBundled = false;
      const leftOutClients = new Set<string>();
      const leftOutRequests = new Set<string>();
      build.onStart(() => {
        kafkajsBundled = false;
        leftOutClients.clear();
        leftOutRequests.clear();
      });
      build.onResolve({ filter: RELATIVE_NAME }, function leaveOut({ path, importer }) {
        const name = RELATIVE_NAME.exec(path)?.[1] ?? '';
        if (KAFKAJS_INDEX.test(importer)) {
          kafkajsBundled = true;
          if (!LEFT_OUT_CLIENTS.includes(name)) return undefined;
          leftOutClients.add(name);
          return { path: name, namespace: NAMESPACE, pluginData: 'client' };
        }
        // A request is a folder beside the requests index (`./apiKeys` is a file: kept).
        if (
          KAFKAJS_REQUESTS.test(importer) &&
          !PRODUCER_REQUESTS.includes(name) &&
          existsSync(join(dirname(importer), name, 'index.js'))
        ) {
          leftOutRequests.add(name);
          return { path: name, namespace: NAMESPACE, pluginData: 'request' };
        }
        return undefined;
      });
      build.onLoad({ filter: /.*/, namespace: NAMESPACE }, function stub({ path, pluginData }) {
        const contents =
          pluginData === 'client'
            ? `module.exports = ${throwing(path)};`
            : `module.exports = { versions: [], protocol: ${throwing(`${path} request`)} };`;
        return { contents, loader: 'js' };
      });
      build.onEnd(function checkLayout(result) {
        if (result.errors.length > 0 || !kafkajsBundled) return;
        if (leftOutClients.size !== LEFT_OUT_CLIENTS.length || leftOutRequests.size === 0) {
          const leftOut = [...leftOutClients, ...[...leftOutRequests].map((name) => `request ${name}`)];
          throw new Error(
            `kafkajs' layout is not the one bundle/kafkajs-producer-only.ts expects (left out: ${leftOut.join(', ') || 'nothing'})`,
          );
        }
      });
    },
  };
}
