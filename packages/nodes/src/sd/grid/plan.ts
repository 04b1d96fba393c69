/**
 * The cells of a comparison: variants (columns) × rows, where rows are prompts × seeds. Each cell is
 * one evaluation of the grid's lazy input with bindings: the variant's own (e.g. `{lora, strength}`),
 * then the row's seed and prompt. Cells run variant by variant, as the seed playground looped over
 * ranks, so a LoRA is applied once per variant and not once per cell. Files are named
 * `r{rank:02d}-{index:04d}.png` like the seed's, with rank = the variant's rank (0 for the base model)
 * or its position when no rank is given, and index = the row.
 */
import { z } from 'zod';
import { LoomError } from '@loom/engine';

const BindingValue = z.union([z.string(), z.number(), z.boolean()]);

export const VariantSchema = z.strictObject({
  label: z.string().min(1).max(80).describe('Column header'),
  rank: z.int().min(0).max(99).optional().describe('Used in file names r{rank:02d}-…; defaults to the column position'),
  set: z.record(z.string(), BindingValue).default({}).describe('Grid inputs to bind for this column, e.g. {"lora": "x.safetensors", "strength": 0.8}'),
});
export type Variant = z.output<typeof VariantSchema>;

/** A prompt entry: text binds the grid's `prompt`, a number binds its `promptSeed` (a prompt-library pick). */
export const PromptEntry = z.union([z.string().min(1), z.int().min(0)]);

export interface GridRow {
  index: number;
  seed?: number;
  prompt?: string | number;
}

export interface GridCell {
  /** 1-based position in execution order. */
  order: number;
  variant: number;
  row: number;
  bindings: Record<string, string | number | boolean>;
  file: string;
}

export interface GridPlan {
  variants: (Variant & { rank: number })[];
  rows: GridRow[];
  cells: GridCell[];
}

export function planGrid(variants: Variant[], prompts: (string | number)[], seeds: number[]): GridPlan {
  const columns = (variants.length > 0 ? variants : [{ label: 'as is', set: {} }]).map((v, i) => ({ ...v, rank: v.rank ?? i }));
  const ranks = columns.map((v) => v.rank);
  const duplicate = ranks.find((r, i) => ranks.indexOf(r) !== i);
  if (duplicate !== undefined)
    throw new LoomError('PARAM_INVALID', `Two variants have rank ${duplicate}; file names r{rank}-{index} must be unique. Give each variant its own rank.`, {
      input: 'variants',
    });
  const promptAxis: (string | number | undefined)[] = prompts.length > 0 ? prompts : [undefined];
  const seedAxis: (number | undefined)[] = seeds.length > 0 ? seeds : [undefined];
  const rows: GridRow[] = [];
  for (const prompt of promptAxis) {
    for (const seed of seedAxis) rows.push({ index: rows.length, ...(seed !== undefined && { seed }), ...(prompt !== undefined && { prompt }) });
  }
  const cells: GridCell[] = [];
  columns.forEach((variant, v) => {
    for (const row of rows) {
      const bindings: GridCell['bindings'] = { ...variant.set };
      if (row.seed !== undefined) bindings.seed = row.seed;
      if (typeof row.prompt === 'string') bindings.prompt = row.prompt;
      if (typeof row.prompt === 'number') bindings.promptSeed = row.prompt;
      cells.push({ order: cells.length + 1, variant: v, row: row.index, bindings, file: cellFileName(variant.rank, row.index) });
    }
  });
  return { variants: columns, rows, cells };
}

/** `r{rank:02d}-{index:04d}.png`, the seed playground's naming. */
export function cellFileName(rank: number, index: number): string {
  return `r${String(rank).padStart(2, '0')}-${String(index).padStart(4, '0')}.png`;
}
