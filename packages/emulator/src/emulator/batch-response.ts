import type { EmulatedRecord } from './types.js';

/** What one invocation answered, as the mapping reads it. */
export type InvocationResult =
  | { kind: 'ok' }
  | { kind: 'partial'; lowestFailed: Map<string, number> }
  | { kind: 'error'; error: Error };

/** A record's identity in a batch: `<topic>-<partition>@<offset>`. */
export const recordId = (record: EmulatedRecord) => `${record.partitionKey}@${record.offset}`;

/**
 * The Kafka partial batch response (docs/aws-behaviours.md, "Error handling"): without
 * ReportBatchItemFailures, or empty/null, the batch succeeded; otherwise each partition resumes at its
 * lowest reported offset. An identifier that names no record of the event fails the whole batch.
 */
export function readBatchResponse(
  response: unknown,
  batch: readonly EmulatedRecord[],
  reportBatchItemFailures: boolean,
): InvocationResult {
  if (!reportBatchItemFailures || response === null || response === undefined) return { kind: 'ok' };
  const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null || (Array.isArray(failures) && failures.length === 0))
    return { kind: 'ok' };
  if (!Array.isArray(failures)) return { kind: 'error', error: new Error('batchItemFailures is not a list') };
  const present = new Set(batch.map(recordId));
  const lowestFailed = new Map<string, number>();
  for (const failure of failures) {
    const identifier = (failure as { itemIdentifier?: { partition?: unknown; offset?: unknown } } | null)
      ?.itemIdentifier;
    const partition = identifier?.partition;
    const offset = identifier?.offset;
    if (
      typeof partition !== 'string' ||
      typeof offset !== 'number' ||
      !present.has(`${partition}@${offset}`)
    ) {
      return {
        kind: 'error',
        error: new Error(`batch item failure ${JSON.stringify(failure)} names no record of the event`),
      };
    }
    lowestFailed.set(partition, Math.min(offset, lowestFailed.get(partition) ?? Number.POSITIVE_INFINITY));
  }
  return { kind: 'partial', lowestFailed };
}
