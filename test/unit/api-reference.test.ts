import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const API_REFERENCE = 'docs/api';
const generated = mkdtempSync(join(tmpdir(), 'api-reference-'));
afterAll(() => rmSync(generated, { recursive: true, force: true }));

/** Every file under a folder, by its path inside it, with its text. */
function filesOf(folder: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(folder, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => {
        const path = join(entry.parentPath, entry.name);
        return [relative(folder, path), readFileSync(path, 'utf8')];
      }),
  );
}

describe('the API reference', () => {
  it('in docs/api is what TypeDoc makes of the packages now (`npm run docs:api` regenerates it)', async () => {
    // Act: the reference of the packages' public entry points, generated afresh
    await promisify(execFile)('npx', ['typedoc', '--out', generated], { timeout: 120_000 });

    // Assess: the same files, the same text; TypeDoc found nothing referenced but not exported
    const committed = filesOf(API_REFERENCE);
    const fresh = filesOf(generated);
    expect(Object.keys(fresh).sort()).toEqual(Object.keys(committed).sort());
    for (const [path, text] of Object.entries(fresh)) expect(text, `${path} is stale`).toBe(committed[path]);
  }, 120_000);
});
