import * as z from 'zod/mini';
import { SAGA_CAUSES, SAGA_STATES } from '../../lib/domain/saga-names.js';

/**
 * What the console's API answers, declared once: the server builds these shapes, the pages parse
 * them (no cast on data that crossed the network). Browser-safe: no Node module here.
 */

export const session = z.object({
  operator: z.string(),
  allowRedrive: z.boolean(),
  /** repeated in `x-console-token` on a change */
  token: z.string(),
});

export const letterSummary = z.object({
  id: z.string(),
  dlqTopic: z.string(),
  source: z.optional(z.string()),
  errorClass: z.string(),
  condition: z.string(),
  functionName: z.string(),
  timestamp: z.string(),
  key: z.optional(z.string()),
  redriven: z.boolean(),
});

export const letterList = z.object({
  total: z.number(),
  groups: z.object({
    error: z.record(z.string(), z.number()),
    source: z.record(z.string(), z.number()),
    function: z.record(z.string(), z.number()),
  }),
  histogram: z.array(z.object({ hour: z.string(), letters: z.number() })),
  letters: z.array(letterSummary),
});

export const bytesView = z.object({
  text: z.string(),
  hex: z.string(),
  json: z.optional(z.string()),
  bytes: z.number(),
});

export const letterDetail = z.object({
  ...letterSummary.shape,
  errorMessage: z.string(),
  /** Lambda's count of invocations of the record's batch, when the letter says */
  attempts: z.optional(z.number()),
  payloadOmitted: z.optional(z.string()),
  committedOutbox: z.nullable(z.object({ messages: z.number(), republished: z.boolean() })),
  origin: z.nullable(
    z.object({ topic: z.string(), partition: z.number(), offset: z.number(), timestamp: z.string() }),
  ),
  record: z.nullable(
    z.object({
      key: z.optional(bytesView),
      headers: z.array(z.object({ name: z.string(), value: z.optional(bytesView) })),
      value: z.optional(bytesView),
    }),
  ),
});

export const redriveAnswer = z.object({ dryRun: z.boolean(), plan: z.array(z.string()) });

export const auditEntry = z.object({
  at: z.string(),
  /** the operator: the local user, or the AWS principal on a stage */
  who: z.string(),
  action: z.literal('redrive'),
  letters: z.array(z.string()),
  /** what was sent where, as the redrive logged it */
  sent: z.array(z.string()),
  result: z.enum(['sent', 'refused', 'failed']),
  reason: z.optional(z.string()),
});

export const auditList = z.object({ entries: z.array(auditEntry) });

export const apiError = z.object({ error: z.string() });

export const sagaPage = z.object({
  orderId: z.string(),
  state: z.string(),
  version: z.number(),
  outcome: z.string(),
  cause: z.optional(z.string()),
  /** compensations sent and not yet acknowledged */
  pending: z.array(z.string()),
  deadlineAt: z.optional(z.string()),
  /** waiting, and past its deadline */
  overdue: z.boolean(),
  startedAt: z.string(),
  updatedAt: z.string(),
  timeline: z.array(
    z.object({
      version: z.number(),
      at: z.string(),
      from: z.string(),
      to: z.string(),
      trigger: z.string(),
      sent: z.array(z.string()),
      note: z.string(),
    }),
  ),
  /** what `npm run saga -- <orderId>` prints */
  report: z.string(),
});

export const sagaState = z.enum(SAGA_STATES);
export const sagaCause = z.enum(SAGA_CAUSES);

export const sagaSummary = z.object({
  orderId: z.string(),
  state: sagaState,
  cause: z.optional(sagaCause),
  outcome: z.string(),
  deadlineAt: z.optional(z.string()),
  overdue: z.boolean(),
  startedAt: z.string(),
  updatedAt: z.string(),
});

export const sagaList = z.object({
  /** oldest first */
  sagas: z.array(sagaSummary),
  /** where the next page starts (opaque); null when the whole table was read */
  next: z.nullable(z.string()),
  /** table items read for this page: what it cost */
  scanned: z.number(),
});

const orderState = z.object({
  status: z.string(),
  orderId: z.optional(z.string()),
  customerId: z.optional(z.string()),
  currency: z.optional(z.string()),
  items: z.array(z.object({ sku: z.string(), quantity: z.number(), unitPrice: z.number() })),
  total: z.number(),
  cancelReason: z.optional(z.string()),
});

export const orderPage = z.object({
  orderId: z.string(),
  version: z.number(),
  state: orderState,
  /** the state at the version asked for */
  asOf: z.optional(z.object({ version: z.number(), state: orderState })),
  events: z.array(
    z.object({
      streamVersion: z.number(),
      type: z.string(),
      version: z.number(),
      occurredAt: z.string(),
      /** the schema version it was written with, when it was upcast to `version` */
      upcastFrom: z.optional(z.number()),
    }),
  ),
  /** the read model's view (eventually consistent) */
  view: z.nullable(
    z.object({
      orderId: z.string(),
      status: z.string(),
      version: z.number(),
      total: z.number(),
      items: orderState.shape.items,
    }),
  ),
});

export type Session = z.infer<typeof session>;
export type LetterSummary = z.infer<typeof letterSummary>;
export type LetterList = z.infer<typeof letterList>;
export type BytesView = z.infer<typeof bytesView>;
export type LetterDetail = z.infer<typeof letterDetail>;
export type AuditEntry = z.infer<typeof auditEntry>;
export type SagaPage = z.infer<typeof sagaPage>;
export type OrderPage = z.infer<typeof orderPage>;

export const mappingStatus = z.object({
  functionKey: z.string(),
  topic: z.string(),
  consumerGroupId: z.string(),
  enabled: z.boolean(),
  /** on a stage, the mapping's state as Lambda reports it (Enabled, Disabled, Creating…) */
  state: z.optional(z.string()),
  /** records on the topic the mapping's consumer group has not committed, over every partition */
  lag: z.number(),
  partitions: z.array(
    z.object({
      partition: z.number(),
      /** the group's committed offset (the next record it reads); null before its first commit */
      committed: z.nullable(z.number()),
      /** the partition's end offset (the next record written) */
      end: z.number(),
      lag: z.number(),
    }),
  ),
  /** the emulated mapping's counters, locally */
  invocations: z.optional(z.number()),
  retries: z.optional(z.number()),
  toDestination: z.optional(z.number()),
  /** how the emulated mapping's latest invocation ended, locally */
  lastInvocation: z.optional(
    z.object({
      at: z.string(),
      outcome: z.enum(['ok', 'partial', 'error']),
      records: z.number(),
      durationMs: z.number(),
      errorClass: z.optional(z.string()),
    }),
  ),
  /** letters on the dead-letter topics that this mapping's function wrote */
  deadLetters: z.number(),
  /** of those, the ones written in the last hour: the dead-letter rate */
  deadLettersLastHour: z.number(),
});

export const mappingList = z.object({ mappings: z.array(mappingStatus) });

export type SagaList = z.infer<typeof sagaList>;
export type SagaSummary = z.infer<typeof sagaSummary>;
export type MappingStatus = z.infer<typeof mappingStatus>;
