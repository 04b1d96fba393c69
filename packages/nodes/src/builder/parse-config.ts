/** Validating a component's diffusers config.json, with errors that name the field and what is supported. */
import type { z } from 'zod';
import { LoomError } from '@loom/engine';

/** Parses `config` with `schema`; the error names `origin`, the component and the first bad field. */
export function parseConfig<S extends z.ZodType>(schema: S, config: unknown, origin: string, component: string, supported: string): z.infer<S> {
  const parsed = schema.safeParse(config);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new LoomError(
    'UNSUPPORTED_MODEL',
    `${origin}: ${component} config field "${issue.path.join('.')}" is not supported by Loom's graph builder (${issue.message}). Supported: ${supported}.`,
  );
}
