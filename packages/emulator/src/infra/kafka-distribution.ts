import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { InfrastructureError } from './errors.js';

/** The Maven project that pins the broker (apache-kafka/pom.xml of this package) and its log configuration. */
export const KAFKA_PROJECT_DIR = fileURLToPath(new URL('../../apache-kafka/', import.meta.url));
const POM = join(KAFKA_PROJECT_DIR, 'pom.xml');
export const KAFKA_LOG_CONFIG = join(KAFKA_PROJECT_DIR, 'log4j2.properties');

/** Written last into a resolved cache folder: a folder without it was interrupted and is redone. */
const COMPLETE_MARKER = 'complete';

export interface KafkaDistribution {
  /** the Apache Kafka version the pom pins */
  version: string;
  /** this version's cache folder: the jars, and what the first start keeps for the next (kafka-start-cache.ts) */
  home: string;
  /** the folder holding every jar of the broker's classpath */
  libs: string;
  /** a `java -cp` value: every jar of `libs`, in name order (a class data archive checks the classpath it was made with) */
  classpath: string;
  /** true when this call ran Maven (the first start on this machine, or after the pom changed) */
  fetched: boolean;
}

/**
 * The Kafka version, read from the pom: the one place it is set.
 *
 * @param pom - the text of the package's apache-kafka/pom.xml (default: read from the package)
 */
export function pinnedKafkaVersion(pom = readFileSync(POM, 'utf8')): string {
  const version = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pom)?.[1];
  if (!version) throw new InfrastructureError('kafka', `${POM} sets no <kafka.version>`);
  return version;
}

/**
 * Where resolved brokers are kept: `KAFKA_CACHE_DIR`, else `$XDG_CACHE_HOME` or `~/.cache`, under
 * this project's name. Outside the repository, so that `git clean` and `npm ci` keep it.
 */
export function kafkaCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.KAFKA_CACHE_DIR) return env.KAFKA_CACHE_DIR;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'msk-lambda-kafka-patterns');
}

const run = promisify(execFile);

async function runMaven(mvn: string, version: string, outputDirectory: string): Promise<void> {
  try {
    await run(
      mvn,
      [
        '--batch-mode',
        '--quiet',
        '--file',
        POM,
        'dependency:copy-dependencies',
        `-Dkafka.version=${version}`,
        `-DoutputDirectory=${outputDirectory}`,
        '-DincludeScope=runtime',
      ],
      { maxBuffer: 16 * 1024 * 1024, timeout: 10 * 60_000 },
    );
  } catch (error) {
    const failure = error as NodeJS.ErrnoException & { stdout?: string; stderr?: string };
    if (failure.code === 'ENOENT') {
      throw new InfrastructureError(
        'kafka',
        `${mvn} was not found on PATH: the local broker is Apache Kafka fetched from Maven Central by Maven — install Maven 3.8+ and Java 17+ (apt-get install maven openjdk-17-jre-headless), or set KAFKA_BROKERS to a cluster of yours`,
      );
    }
    const output = `${failure.stdout ?? ''}\n${failure.stderr ?? ''}`
      .split('\n')
      .filter((line) => /ERROR|Could not|resolve/i.test(line))
      .slice(0, 5)
      .join(' | ');
    throw new InfrastructureError(
      'kafka',
      `Maven could not fetch Apache Kafka ${version} (${output || failure.message}): Maven Central must be reachable once; later starts use the cache`,
    );
  }
}

/**
 * The broker's jars, resolved by Maven once per pom into the cache and reused from there (no network,
 * no Maven) by every later start. Resolution goes to a fresh folder renamed into place at the end, so
 * two first starts at once, or one interrupted, never leave a half-filled cache behind.
 *
 * `KAFKA_VERSION` in `options.env` takes another Apache Kafka version than the pom's, to check the
 * project against the other versions MSK runs (`KAFKA_VERSION=4.0.2 npm run broker:conformance`).
 *
 * @param options.mvn - the Maven command @default 'mvn'
 * @param options.onFetch - told once when Maven is about to run (it downloads ~45 MB the first time)
 * @param options - the environment (`KAFKA_VERSION`, `KAFKA_CACHE_DIR`) and where to report a fetch
 * @example
 * ```ts
 * const { version, home } = await resolveKafkaDistribution({ onFetch: console.log });
 * // Maven fetched the pinned Apache Kafka once; later calls find it in the local repository
 * ```
 */
export async function resolveKafkaDistribution(
  options: { env?: NodeJS.ProcessEnv; mvn?: string; onFetch?: (message: string) => void } = {},
): Promise<KafkaDistribution> {
  const pom = readFileSync(POM, 'utf8');
  const env = options.env ?? process.env;
  const version = env.KAFKA_VERSION || pinnedKafkaVersion(pom);
  const digest = createHash('sha256').update(pom).digest('hex').slice(0, 12);
  const root = kafkaCacheRoot(env);
  const target = join(root, `apache-kafka-${version}-${digest}`);
  const libs = join(target, 'libs');
  const describe = async (fetched: boolean): Promise<KafkaDistribution> => {
    const jars = (await readdir(libs)).filter((name) => name.endsWith('.jar')).sort();
    return {
      version,
      home: target,
      libs,
      classpath: jars.map((jar) => join(libs, jar)).join(delimiter),
      fetched,
    };
  };
  if (existsSync(join(target, COMPLETE_MARKER))) return describe(false);

  await mkdir(root, { recursive: true });
  const staging = await mkdtemp(join(root, '.resolving-'));
  try {
    options.onFetch?.(`fetching Apache Kafka ${version} from Maven Central into ${target} (once)`);
    await runMaven(options.mvn ?? 'mvn', version, join(staging, 'libs'));
    const jars = (await readdir(join(staging, 'libs'))).filter((name) => name.endsWith('.jar'));
    if (!jars.some((name) => name.startsWith(`kafka_2.13-${version}`)))
      throw new InfrastructureError('kafka', `Maven resolved no kafka_2.13-${version} jar into ${staging}`);
    await writeFile(join(staging, COMPLETE_MARKER), `${jars.length} jars\n`);
    // A folder without the marker was left by something other than this function: it is redone.
    if (existsSync(target) && !existsSync(join(target, COMPLETE_MARKER)))
      await rm(target, { recursive: true, force: true });
    await rename(staging, target).catch(async (error: NodeJS.ErrnoException) => {
      // Another start resolved the same pom meanwhile: theirs is as good as ours.
      if (!existsSync(join(target, COMPLETE_MARKER))) throw error;
    });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return describe(true);
}
