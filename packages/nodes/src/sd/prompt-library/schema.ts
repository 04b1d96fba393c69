/**
 * The prompt library format (`prompts.json`, documented in README.md beside this file) and the seed
 * playground's format, both read into one normalised shape.
 *
 * Ours: named sets, each with ordered `pick` groups (one option is drawn per group per image),
 * `fixed` parts always present, and quality `positives` / `negatives`.
 * The seed's: `{ major, combinations, positives, negatives }`, where `major` are the fixed parts and
 * `combinations` the pick groups (unnamed); it is read as a single set called `seed`.
 */
import { z } from 'zod';
import { LoomError } from '@loom/engine';

const Phrase = z.string().min(1).describe('A prompt phrase; may use (emphasis:1.2) syntax');

const PickGroupSchema = z
  .strictObject({
    name: z.string().min(1).describe('What the group varies, e.g. "subject" or "colour theme"'),
    options: z.array(Phrase).min(1).describe('One of these is drawn per image'),
  })
  .describe('A group of alternatives');

const PromptSetSchema = z
  .strictObject({
    description: z.string().optional(),
    pick: z.array(PickGroupSchema).default([]).describe('Drawn in this order, one option per group (the order fixes what a seed picks)'),
    fixed: z.array(Phrase).default([]).describe('Always in the positive prompt, after the picks'),
    positives: z.array(Phrase).default([]).describe('Quality phrases, last in the positive prompt'),
    negatives: z.array(Phrase).default([]).describe('Joined into the negative prompt'),
  })
  .describe('One family of prompts');

const PromptLibrarySchema = z
  .strictObject({
    $schema: z.string().optional(),
    version: z.literal(1).describe('Format version'),
    description: z.string().optional(),
    sets: z
      .record(z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'set names are lowercase letters, digits, - and _'), PromptSetSchema)
      .refine((sets) => Object.keys(sets).length > 0, 'a library needs at least one set'),
  })
  .describe('A Loom prompt library (prompts.json)');

/** The seed playground's prompts.json. */
const SeedPromptsSchema = z.looseObject({
  major: z.array(z.string()),
  combinations: z.array(z.array(z.string()).min(1)),
  positives: z.array(z.string()),
  negatives: z.array(z.string()),
});

export type PromptSet = z.output<typeof PromptSetSchema>;
export interface PromptLibrary {
  format: 'loom' | 'seed';
  sets: Record<string, PromptSet>;
}

/** Reads either format; errors name the file and the first problems. */
export function parsePromptLibrary(json: unknown, source: string): PromptLibrary {
  const seed = SeedPromptsSchema.safeParse(json);
  if (seed.success && !(typeof json === 'object' && json !== null && 'sets' in json)) {
    const { major, combinations, positives, negatives } = seed.data;
    return {
      format: 'seed',
      sets: { seed: { fixed: major, pick: combinations.map((options, i) => ({ name: `group ${i + 1}`, options })), positives, negatives } },
    };
  }
  const ours = PromptLibrarySchema.safeParse(json);
  if (!ours.success) {
    const problems = ours.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    throw new LoomError(
      'BAD_FILE',
      `${source} is neither a Loom prompt library ({version: 1, sets}) nor the seed playground's {major, combinations, positives, negatives}: ${problems}`,
    );
  }
  return { format: 'loom', sets: ours.data.sets };
}

/** The JSON Schema of prompts.json, generated from the zod schema (zod's `toJSONSchema`). */
export function promptLibraryJsonSchema(): Record<string, unknown> {
  return { ...z.toJSONSchema(PromptLibrarySchema, { io: 'input' }), title: 'Loom prompt library' };
}
