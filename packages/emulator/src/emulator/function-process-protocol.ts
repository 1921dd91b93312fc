import type { MskEvent } from '@msk-patterns/pipeline';
import * as z from 'zod';

/** The emulator → function process request: one invocation. */
export const FunctionProcessRequest = z.object({
  id: z.number(),
  timeoutSeconds: z.number(),
  // Built by the emulator's own codec; the handler validates what it reads.
  event: z.custom<MskEvent>((value) => typeof value === 'object' && value !== null),
});
export type FunctionProcessRequest = z.infer<typeof FunctionProcessRequest>;

/** The function process → emulator messages. */
export const FunctionProcessMessage = z.union([
  z.object({ ready: z.literal(true) }),
  z.object({ id: z.number(), result: z.unknown() }),
  z.object({ id: z.number(), error: z.object({ name: z.string(), message: z.string() }) }),
  /** a chaos fault the process injected (counted by the emulator; a kill is sent just before it) */
  z.object({ fault: z.string() }),
]);
export type FunctionProcessMessage = z.infer<typeof FunctionProcessMessage>;
