import type { z } from 'zod';

/** A zod error as one line: `path: message; path: message`, for errors that name the bad field. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
}
