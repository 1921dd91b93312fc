import { execFile, spawn } from 'node:child_process';

/** kcat (librdkafka's command-line client, Debian package `kcat`), when this machine has it. */
export function kcatAvailable(): Promise<boolean> {
  return new Promise((resolve) => {
    execFile('kcat', ['-V'], (error) => resolve(error === null));
  });
}

function run(args: string[], input: string | undefined, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('kcat', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const errors = Buffer.concat(stderr).toString('utf8').trim().split('\n').slice(-3).join(' | ');
      if (code === 0) resolve(Buffer.concat(stdout).toString('utf8'));
      else reject(new Error(`kcat ${args[0]} ended with ${code ?? signal}: ${errors}`));
    });
    child.stdin.end(input ?? '');
  });
}

/** kcat's arguments for partition 0 of `topic` on `brokers`. */
const partitionZero = (brokers: string[], topic: string) => ['-b', brokers.join(','), '-t', topic, '-p', '0'];

/** Produce `key\tvalue` lines to partition 0, compressed with `codec`, waiting for every delivery report. */
export async function kcatProduce(
  brokers: string[],
  topic: string,
  lines: string[],
  codec: string,
): Promise<void> {
  await run(
    [
      '-P',
      ...partitionZero(brokers, topic),
      '-K',
      '\t',
      '-z',
      codec,
      '-X',
      'linger.ms=50',
      '-X',
      'message.timeout.ms=10000',
    ],
    `${lines.join('\n')}\n`,
    20_000,
  );
}

/** Read `count` records from the beginning of partition 0 of `topic` as `key\tvalue` lines; ends at the topic's end. */
export async function kcatConsume(brokers: string[], topic: string, count: number): Promise<string[]> {
  const output = await run(
    ['-C', ...partitionZero(brokers, topic), '-o', 'beginning', '-e', '-c', String(count), '-f', '%k\t%s\n'],
    undefined,
    20_000,
  );
  return output.split('\n').filter((line) => line.length > 0);
}
