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
    expect(lines.at(-1)).toMatch(/^summary produced=3 in=3 written=3 duplicates=\d+ doubled=0 lost=0$/);
    expect(stdout).toMatch(/redelivered orders\.commands-\d offsets \d+\.\.\d+: written=0 duplicates=[1-9]/);
  }, 90_000);
});
