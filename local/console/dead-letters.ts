import type { DeadLetter } from '@msk-patterns/emulator';
import { printable } from '@msk-patterns/emulator';
import * as z from 'zod/mini';
import type { BytesView, LetterDetail, LetterList, LetterSummary } from './contracts.js';

/** What the console filters letters by (all optional; `text` searches key and headers). */
export interface LetterQuery {
  topic?: string | undefined;
  source?: string | undefined;
  error?: string | undefined;
  functionName?: string | undefined;
  since?: Date | undefined;
  until?: Date | undefined;
  text?: string | undefined;
}

/** The attempts Lambda records in a destination letter's request context. */
const requestContext = z.looseObject({
  requestContext: z.optional(z.looseObject({ approximateInvokeCount: z.optional(z.number()) })),
});

function view(bytes: Buffer | undefined): BytesView | undefined {
  if (bytes === undefined) return undefined;
  const text = bytes.toString('utf8');
  const result: BytesView = { text: printable(text), hex: bytes.toString('hex'), bytes: bytes.length };
  try {
    result.json = JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    // not JSON: text and hex only
  }
  return result;
}

export function matchesQuery(letter: DeadLetter, query: LetterQuery): boolean {
  const time = Date.parse(letter.timestamp);
  const text = query.text?.toLowerCase();
  return (
    (!query.topic || letter.dlqTopic === query.topic) &&
    (!query.source || letter.original?.topic === query.source) &&
    (!query.error || letter.errorClass === query.error || letter.condition === query.error) &&
    (!query.functionName || letter.functionName === query.functionName) &&
    (!query.since || time >= query.since.getTime()) &&
    (!query.until || time <= query.until.getTime()) &&
    (!text ||
      (letter.original?.key ?? '').toLowerCase().includes(text) ||
      Object.entries(letter.original?.headers ?? {}).some(([name, value]) =>
        `${name}=${value}`.toLowerCase().includes(text),
      ))
  );
}

export function summary(letter: DeadLetter, redriven: ReadonlySet<string>): LetterSummary {
  return {
    id: letter.id,
    dlqTopic: letter.dlqTopic,
    source: letter.original?.topic,
    errorClass: letter.errorClass,
    condition: letter.condition,
    functionName: letter.functionName,
    timestamp: letter.timestamp,
    key: letter.original?.key === undefined ? undefined : printable(letter.original.key),
    redriven: redriven.has(letter.id),
  };
}

function countBy(letters: readonly DeadLetter[], by: (letter: DeadLetter) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const letter of letters) counts[by(letter)] = (counts[by(letter)] ?? 0) + 1;
  return counts;
}

/** Letters per hour, oldest first: the histogram over time. */
function perHour(letters: readonly DeadLetter[]): Array<{ hour: string; letters: number }> {
  const counts = countBy(letters, (letter) => `${letter.timestamp.slice(0, 13)}:00Z`);
  return Object.entries(counts)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([hour, count]) => ({ hour, letters: count }));
}

/** The list page's data: the letters matching, grouped three ways, and over time. */
export function letterList(
  letters: readonly DeadLetter[],
  query: LetterQuery,
  redriven: ReadonlySet<string>,
): LetterList {
  const matching = letters.filter((letter) => matchesQuery(letter, query));
  return {
    total: matching.length,
    groups: {
      error: countBy(matching, (letter) => letter.errorClass),
      source: countBy(matching, (letter) => letter.original?.topic ?? '(unreadable)'),
      function: countBy(matching, (letter) => letter.functionName),
    },
    histogram: perHour(matching),
    letters: matching.map((letter) => summary(letter, redriven)),
  };
}

/** A letter's page: where it came from, why, and its record's bytes. */
export function letterDetail(
  letter: DeadLetter,
  outbox: { messages: number; republished: boolean } | undefined,
  redriven: ReadonlySet<string>,
): LetterDetail {
  const original = letter.original;
  const attempts = z.safeParse(requestContext, letter.value).data?.requestContext?.approximateInvokeCount;
  return {
    ...summary(letter, redriven),
    errorMessage: printable(letter.errorMessage),
    ...(attempts === undefined ? {} : { attempts }),
    ...(letter.payloadOmitted === undefined ? {} : { payloadOmitted: letter.payloadOmitted }),
    committedOutbox: outbox ? { messages: outbox.messages, republished: outbox.republished } : null,
    origin: original
      ? {
          topic: original.topic,
          partition: original.partition,
          offset: original.offset,
          timestamp: new Date(original.timestamp).toISOString(),
        }
      : null,
    record: original
      ? {
          key: view(original.keyBytes),
          headers: original.headerBytes.map((header) => ({
            name: printable(header.name),
            value: view(header.value),
          })),
          value: view(original.value),
        }
      : null,
  };
}
