/**
 * `npm run bench -- coldstart`: what a cold start pays for each function's bundle — its size (the
 * handler file, without its source map) and its module init time (median over fresh processes) — against
 * a Powertools-based twin of each MSK function built in the same run with the same esbuild options: the
 * function's own file with our pipeline swapped for Powertools (bench/baselines/powertools-consumer.ts).
 * Ends with exactly two lines:
 *   bundle_kb ours=<largest MSK function> powertools=<largest twin>
 *   init_ms ours=<orderCommands> powertools=<orderCommands' twin>
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { loadServerlessConfig, type ServerlessConfig } from '@msk-patterns/emulator';
import { build, type Plugin } from 'esbuild';
import { bundleOptions } from '../local/bundle-options.js';

const RUNS = 9;
const TWIN = ' · powertools';
const SDK_FROM_RUNTIME = 'orderCommands, runtime SDK';

/** A function file's import of our pipeline's `consumer`, resolved to its Powertools equivalent instead. */
const powertoolsTwin: Plugin = {
  name: 'powertools-twin',
  setup(build) {
    build.onResolve({ filter: /[\\/]lib[\\/]pipeline[\\/]consumer\.js$/ }, () => ({
      path: resolve('bench/baselines/powertools-consumer.ts'),
    }));
  },
};

export const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

/** What a deployed function starts with: the stage's environment, the Lambda runtime's variables. */
export function deployedEnvironment(config: ServerlessConfig): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    ...config.provider.environment,
    AWS_REGION: 'eu-west-1',
    AWS_LAMBDA_FUNCTION_NAME: 'coldstart',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

/** The module init of a bundle in a fresh Node process, as Lambda's runtime requires the handler. */
export async function initMs(file: string, env: NodeJS.ProcessEnv, nodeOptions = ''): Promise<number> {
  const script = `const s=performance.now();require(${JSON.stringify(file)});process.stdout.write(String(performance.now()-s))`;
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], {
    env: { ...env, NODE_OPTIONS: nodeOptions },
  });
  return Number(stdout);
}

export async function main(): Promise<void> {
  const config = loadServerlessConfig({ stage: 'dev' });
  const options = bundleOptions(config);
  const folder = mkdtempSync(join(tmpdir(), 'coldstart-'));
  mkdirSync(join('node_modules', '.cache'), { recursive: true });
  const sdkFolder = resolve(mkdtempSync(join('node_modules', '.cache', 'coldstart-')));
  try {
    const functions = Object.entries(config.functions).map(([name, fn]) => ({
      name,
      entry: `${fn.handler.slice(0, fn.handler.lastIndexOf('.'))}.ts`,
      msk: (fn.events ?? []).some((event) => 'msk' in event),
    }));
    const entries = functions.flatMap(({ name, entry, msk }) => [
      {
        name,
        entry,
        msk,
        outfile: join(folder, `${name}.cjs`),
        external: options.external,
        plugins: options.plugins,
      },
      ...(msk
        ? [
            {
              name: `${name}${TWIN}`,
              entry,
              msk,
              outfile: join(folder, `${name}-powertools.cjs`),
              // Powertools Kafka loads its Avro and Protocol Buffers deserialisers only for those schema
              // types; its documentation has JSON users leave the libraries out.
              external: [...options.external, 'avro-js', 'protobufjs'],
              plugins: [...options.plugins, powertoolsTwin],
            },
          ]
        : []),
    ]);
    // The other side of the SDK decision (docs/benchmarks.md): orderCommands with the AWS SDK left
    // to the Lambda runtime's copy, built inside node_modules so that require() finds the SDK there as
    // the runtime's handler finds its own. Informational: not an MSK function of ours.
    entries.push({
      name: SDK_FROM_RUNTIME,
      entry: 'functions/orders/commands.ts',
      msk: false,
      outfile: join(sdkFolder, 'orderCommands.cjs'),
      external: [...options.external, '@aws-sdk/*', '@smithy/*'],
      plugins: options.plugins,
    });
    const bundles = [];
    for (const { name, entry, msk, outfile, external, plugins } of entries) {
      await build({
        ...options,
        entryPoints: [entry],
        outfile,
        sourcemap: true,
        logLevel: 'error',
        external,
        plugins,
      });
      bundles.push({ name, msk, outfile, kb: Math.round(statSync(outfile).size / 1024) });
    }
    const env = deployedEnvironment(config);
    console.log(
      `function                      bundle_kb  init_ms  init_ms_with_source_maps  (median of ${RUNS} processes)`,
    );
    // Round-robin over the bundles, run after run: a machine that slows down mid-way slows every column
    // alike instead of the bundles measured last.
    const times = bundles.map(() => ({ plain: [] as number[], maps: [] as number[] }));
    for (let run = 0; run < RUNS; run++) {
      for (const [index, bundle] of bundles.entries()) {
        times[index]?.plain.push(await initMs(bundle.outfile, env));
        times[index]?.maps.push(await initMs(bundle.outfile, env, '--enable-source-maps'));
      }
    }
    const measured: Array<{ name: string; msk: boolean; kb: number; init: number }> = [];
    for (const [index, bundle] of bundles.entries()) {
      const init = median(times[index]?.plain ?? []);
      const withMaps = median(times[index]?.maps ?? []);
      measured.push({ name: bundle.name, msk: bundle.msk, kb: bundle.kb, init });
      console.log(
        `${bundle.name.padEnd(30)}${String(bundle.kb).padStart(9)}${init.toFixed(1).padStart(9)}${withMaps.toFixed(1).padStart(26)}`,
      );
    }
    const ours = measured.filter((row) => row.msk && !row.name.endsWith(TWIN));
    const twins = measured.filter((row) => row.name.endsWith(TWIN));
    const orderCommands = measured.find((row) => row.name === 'orderCommands');
    const orderCommandsTwin = measured.find((row) => row.name === `orderCommands${TWIN}`);
    if (!orderCommands || !orderCommandsTwin) throw new Error('orderCommands or its twin was not built');
    const largest = (rows: typeof measured) => Math.max(...rows.map((row) => row.kb));
    console.log(`bundle_kb ours=${largest(ours)} powertools=${largest(twins)}`);
    console.log(
      `init_ms ours=${orderCommands.init.toFixed(1)} powertools=${orderCommandsTwin.init.toFixed(1)}`,
    );
  } finally {
    rmSync(folder, { recursive: true, force: true });
    rmSync(sdkFolder, { recursive: true, force: true });
  }
}
