import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, realpathSync, statSync } from 'node:fs';
import { cp, mkdtemp, rename, rm, stat, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { InfrastructureError } from './errors.js';
import type { KafkaDistribution } from './kafka-distribution.js';

/**
 * What every start of the broker would otherwise redo, kept in the distribution's cache folder by the
 * first start (docs/local-infrastructure.md, "How it starts"): the formatted storage, copied instead of
 * running Kafka's storage tool in a JVM of its own (~1.1 s), and a class data archive of the classes
 * the broker loads, which the next JVMs map instead of loading them from 45 jars (~3.8 → ~2.7 s to
 * listen). Both are only ever an optimisation: without them the broker starts all the same.
 */

const run = promisify(execFile);

/** A KRaft cluster id: 16 random bytes, base64url without padding, as `kafka-storage.sh random-uuid` prints. */
const clusterId = () => randomBytes(16).toString('base64url');

export function javaMissing(error: NodeJS.ErrnoException): InfrastructureError {
  return new InfrastructureError(
    'kafka',
    error.code === 'ENOENT'
      ? 'java was not found on PATH: the local broker is Apache Kafka, which needs Java 17+ (apt-get install openjdk-17-jre-headless), or set KAFKA_BROKERS to a cluster of yours'
      : `could not start java: ${error.message}`,
  );
}

/**
 * Copy a formatted log directory into `logDir`. KRaft refuses to start on a log directory without a
 * cluster id and a bootstrap checkpoint; what the storage tool writes depends on the node's settings
 * (roles, node id, metadata version), not on its ports or paths, so one formatting serves every start
 * with the same settings: it is kept per hash of `properties(logDir)` with the path left out.
 *
 * @param properties - the node's server.properties for a given log directory
 */
export async function copyFormattedStorage(
  distribution: KafkaDistribution,
  jvmOptions: readonly string[],
  properties: (logDir: string) => string,
  logDir: string,
): Promise<void> {
  const digest = createHash('sha256').update(properties('')).digest('hex').slice(0, 12);
  const template = join(distribution.home, `storage-${digest}`);
  if (!existsSync(template)) {
    const staging = await mkdtemp(join(distribution.home, '.storage-'));
    try {
      await writeFile(join(staging, 'server.properties'), properties(join(staging, 'log')));
      await formatStorage(distribution, jvmOptions, join(staging, 'server.properties'));
      await rename(join(staging, 'log'), template).catch((error: NodeJS.ErrnoException) => {
        // Another start formatted the same settings meanwhile: theirs is as good as ours.
        if (!existsSync(template)) throw error;
      });
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }
  await cp(template, logDir, { recursive: true });
}

async function formatStorage(
  distribution: KafkaDistribution,
  jvmOptions: readonly string[],
  propertiesFile: string,
): Promise<void> {
  try {
    await run(
      'java',
      [
        ...jvmOptions,
        '-cp',
        distribution.classpath,
        'kafka.tools.StorageTool',
        'format',
        '--cluster-id',
        clusterId(),
        '--config',
        propertiesFile,
      ],
      { timeout: 60_000 },
    );
  } catch (error) {
    const failure = error as NodeJS.ErrnoException & { stderr?: string };
    if (failure.code === 'ENOENT') throw javaMissing(failure);
    throw new InfrastructureError(
      'kafka',
      `formatting the broker's storage failed: ${(failure.stderr || failure.message).trim().split('\n').slice(-3).join(' | ')}. Apache Kafka ${distribution.version} needs Java 17+`,
    );
  }
}

/** Which JDK `java` on PATH is, without starting it: its real path and modification time. */
function javaIdentity(): string {
  const java = (process.env.PATH ?? '')
    .split(delimiter)
    .map((folder) => join(folder, 'java'))
    .find((candidate) => existsSync(candidate));
  const identity = java ? `${realpathSync(java)}@${statSync(java).mtimeMs}` : 'none';
  return createHash('sha256').update(identity).digest('hex').slice(0, 12);
}

export interface ClassArchive {
  /** the JVM options that use the archive, or record it when there is none yet */
  jvmOptions: string[];
  /**
   * After the JVM exited: keep what it recorded, or drop it — a JVM that never served recorded too few
   * classes, and one killed with SIGKILL wrote nothing usable.
   */
  settle(keep: boolean): Promise<void>;
}

/**
 * The broker's class data archive (JDK "AppCDS", a dynamic archive: JEP 350). A JVM started with
 * `-XX:ArchiveClassesAtExit` writes the classes it loaded when it exits normally; later JVMs given
 * `-XX:SharedArchiveFile` map them. An archive made by another JDK or for another classpath is
 * ignored by the JVM, which then loads classes as usual.
 *
 * @param recordIn - where a JVM that records writes its archive before it is moved into the cache
 */
export function classArchive(distribution: KafkaDistribution, recordIn: string): ClassArchive {
  const archive = join(distribution.home, `classes-${javaIdentity()}.jsa`);
  if (existsSync(archive))
    return { jvmOptions: [`-XX:SharedArchiveFile=${archive}`], settle: async () => {} };
  // Recorded in the broker's own data folder, which goes with it however it ends, until it is kept.
  const recording = join(recordIn, `classes-${randomBytes(6).toString('hex')}.jsa`);
  return {
    jvmOptions: [`-XX:ArchiveClassesAtExit=${recording}`],
    async settle(keep) {
      const size = await stat(recording).then(
        (file) => file.size,
        () => 0,
      );
      if (keep && size > 0 && !existsSync(archive)) await rename(recording, archive).catch(() => {});
      await rm(recording, { force: true });
    },
  };
}
