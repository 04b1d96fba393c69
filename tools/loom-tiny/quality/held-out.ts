/** The held-out prompts (tools/loom-tiny/held-out-prompts.json): combinations training never showed. */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const HeldOutSchema = z.object({
  prompts: z.array(z.object({ prompt: z.string(), colour: z.string(), shape: z.string(), position: z.string(), size: z.string() })).min(1),
});

/** One held-out prompt with the scene it describes. */
export type HeldOutPrompt = z.infer<typeof HeldOutSchema>['prompts'][number];

export const HELD_OUT_FILE = new URL('../held-out-prompts.json', import.meta.url);

export function loadHeldOut(file: URL | string = HELD_OUT_FILE): HeldOutPrompt[] {
  return HeldOutSchema.parse(JSON.parse(readFileSync(file, 'utf8'))).prompts;
}
