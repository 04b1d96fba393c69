/** Request bodies and queries checked with zod; a violation is a 400 naming the field and the rule. */
import type { z } from 'zod';
import { HttpError } from './http-error.ts';

export function parseOr400<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`);
  throw new HttpError(400, 'invalid_request', `Invalid ${what}: ${issues.join('; ')}.`, issues.join('\n'), {
    issues: result.error.issues.map((i) => ({ path: i.path.map(String), code: i.code, message: i.message })),
  });
}
