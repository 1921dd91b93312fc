import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('npm start -- --once', () => {
  it('packages, starts its own infrastructure and emulator, runs the demo and ends with a summary that lost nothing', async () => {
    // Act: a second, independent stack next to the test suite's own (free ports, own temp folders)
    const { stdout } = await run('npx', ['tsx', 'local/start.ts', '--once'], {
      env: { ...process.env, DYNAMODB_ENDPOINT: '', KAFKA_BROKERS: '' },
      timeout: 120_000,
    });

    // Assess
    const lines = stdout.trim().split('\n');
    expect(lines.at(-1)).toMatch(
      /^summary produced=5 invocations=\d+ records_in=\d+ retries=\d+ audited=3 viewed=3 dead_lettered=1 on_failure_destination=0 doubled=0 lost=0$/,
    );
    expect(stdout).toMatch(
      /audit ⇐ orders\.commands \(group kafka-patterns-dev-audit, .* on failure kafka:\/\/orders\.commands\.dlq\)/,
    );
    expect(stdout).toMatch(/audit ← (orders\.commands-\d@\d+\.\.\d+ )+\(\d+ records\) ok/);
    expect(stdout).toMatch(/demo: dead-lettered ContractViolationError: value is not a message envelope/);
  }, 120_000);
});
