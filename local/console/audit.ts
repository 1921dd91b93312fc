import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type AuditEntry, auditEntry } from './contracts.js';

/**
 * The redrives this console made, appended to a JSON Lines file that outlives the console (one line
 * each, never rewritten). The file is read once, on first use; after that this console's own
 * records keep the entries in memory (pages ask every few seconds).
 */
export class AuditTrail {
  #read: Promise<AuditEntry[]> | undefined;

  /** @param file - where the lines go */
  constructor(readonly file: string) {}

  async record(entry: AuditEntry): Promise<void> {
    const entries = await this.#entries();
    await mkdir(dirname(this.file), { recursive: true });
    await appendFile(this.file, `${JSON.stringify(entry)}\n`, { mode: 0o600 });
    entries.push(entry);
  }

  async entries(): Promise<AuditEntry[]> {
    return [...(await this.#entries())];
  }

  /** The letters some redrive sent. */
  async redriven(): Promise<Set<string>> {
    return new Set(
      (await this.#entries()).filter((entry) => entry.result === 'sent').flatMap((entry) => entry.letters),
    );
  }

  #entries(): Promise<AuditEntry[]> {
    this.#read ??= readFile(this.file, 'utf8').then(
      (text) =>
        text
          .split('\n')
          .filter(Boolean)
          .map((line) => auditEntry.parse(JSON.parse(line))),
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return [];
        throw error;
      },
    );
    return this.#read;
  }
}
