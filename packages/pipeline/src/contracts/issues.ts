import '../common/zod-messages.js';
import type * as z from 'zod/mini';

/**
 * A zod error as one line: `path: message; path: message`, for errors that name the bad field.
 *
 * @param error - a zod error
 * @example
 * ```ts
 * const parsed = schema.safeParse(input);
 * if (!parsed.success) throw new PermanentError(describeIssues(parsed.error)); // 'orderId: Invalid input: …'
 * ```
 */
export function describeIssues(error: z.core.$ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
}
