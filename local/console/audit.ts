import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type AuditEntry, auditEntry } from './contracts.js';

/**
 * The redrives this console made, appended to a JSON Lines file that outlives the console (one line
 * each, never rewritten), and read back for the audit page and to mark redriven letters.
 */
export class AuditTrail {
  /** @param file - where the lines go */
  constructor(readonly file: string) {}

  async record(entry: AuditEntry): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true });
    await appendFile(this.file, `${JSON.stringify(entry)}\n`, { mode: 0o600 });
  }

  async entries(): Promise<AuditEntry[]> {
    const text = await readFile(this.file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return '';
      throw error;
    });
    return text
      .split('\n')
      .filter(Boolean)
      .map((line) => auditEntry.parse(JSON.parse(line)));
  }

  /** The letters some redrive sent. */
  async redriven(): Promise<Set<string>> {
    return new Set(
      (await this.entries()).filter((entry) => entry.result === 'sent').flatMap((entry) => entry.letters),
    );
  }
}
