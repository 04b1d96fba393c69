/**
 * What a grid row and a cell say about themselves: the row's prompt, shortened for the grid's label
 * column and the Markdown, and how many SafetyRetry attempts a cell took (from the report SafetyRetry
 * puts in the image's metadata, sd/safety/retry.ts).
 */
import type { ImageBatch } from '../../ports.ts';
import type { SafetyReport } from '../safety/retry.ts';
import type { GridPlan, GridRow } from './plan.ts';

/** The grid's label column holds about 5 lines of 11 characters at the smallest font (render.ts). */
export const ROW_LABEL_CHARS = 48;

/** Whitespace collapsed; cut at the last word boundary before `max` characters, ending in "…". */
export function shortenPrompt(text: string, max = ROW_LABEL_CHARS): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  const cut = flat.lastIndexOf(' ', max - 1);
  return `${flat.slice(0, cut > max / 2 ? cut : max - 1).replace(/[\s,;]+$/, '')}…`;
}

/** The row's prompt (as rendered, else as given), with its seed when the grid has several seeds per prompt. */
export function rowLabel(plan: GridPlan, row: GridRow, prompt: string | undefined): string {
  const seeds = new Set(plan.rows.map((r) => r.seed)).size;
  const text = prompt ?? (typeof row.prompt === 'string' ? row.prompt : typeof row.prompt === 'number' ? `prompt seed ${row.prompt}` : `row ${row.index}`);
  return [shortenPrompt(text), seeds > 1 && row.seed !== undefined ? `seed ${row.seed}` : ''].filter(Boolean).join(' · ');
}

/** SafetyRetry attempts behind the batch's first image; undefined when no SafetyRetry made it. */
export function safetyAttempts(batch: ImageBatch): number | undefined {
  const report = (batch.meta as { safety?: SafetyReport }).safety;
  return report ? report.attempts.filter((a) => a.image === 0).length : undefined;
}
