import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('npm start -- --once', () => {
  it('starts its own infrastructure, runs the demo and ends with a summary that lost nothing', async () => {
    // Act: a second, independent stack next to the test suite's own (free ports, own temp folders)
    const { stdout } = await run('npx', ['tsx', 'local/start.ts', '--once'], {
      env: { ...process.env, DYNAMODB_ENDPOINT: '', KAFKA_BROKERS: '' },
      timeout: 90_000,
    });

    // Assess
    const lines = stdout.trim().split('\n');
    expect(lines.at(-1)).toBe('summary produced=4 in=4 audited=3 dead_lettered=1 failed=0 doubled=0 lost=0');
    expect(stdout).toMatch(/dead-lettered: ContractViolationError: value is not a message envelope/);
    expect(stdout).toMatch(/redelivered orders\.commands-\d offsets \d+\.\.\d+: batchItemFailures=0/);
  }, 90_000);
});
