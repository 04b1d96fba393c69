/**
 * FINDINGS.md and the README's findings table, both from a FindingsResult (measure.ts): every figure
 * is read from the result, never typed. Each sentence that compares two figures is written from them.
 */
import type { FindingsResult } from './measure.ts';
import type { Group } from './score.ts';

const pct = (x: number | null): string => (x === null ? '–' : `${(100 * x).toFixed(0)}%`);
const row = (cells: string[]): string => `| ${cells.join(' | ')} |`;
const table = (header: string[], rows: string[][]): string[] => [row(header), `|${header.map(() => '---').join('|')}|`, ...rows.map(row)];
const compare = (a: number, b: number): string => (a > b ? 'more than' : a < b ? 'less than' : 'as much as');

/** Strip file names inside the findings folder. */
export const STRIPS = { prompts: 'prompts.png', baseModel: 'base-model.png', rank: 'rank.png', resolution: 'resolution.png' } as const;

function at<T>(items: readonly T[], i: number): T {
  const item = items[i];
  if (item === undefined) throw new Error(`findings result: missing entry ${i}`);
  return item;
}

export function findingsMarkdown(r: FindingsResult, stripDir: string): string {
  const [bare, caption, habit] = [at(r.prompts, 0), at(r.prompts, 1), at(r.prompts, 2)];
  const [base, lora] = [at(r.baseModel, 0), at(r.baseModel, 1)];
  const [trained, direct, hires, upscaled] = [at(r.resolution, 0), at(r.resolution, 1), at(r.resolution, 2), at(r.resolution, 3)];
  const img = (file: string, alt: string): string => `![${alt}](${stripDir.replace(/\/+$/, '')}/${file})`;
  return [
    '# The seed’s four findings, measured on loom-tiny',
    '',
    `Written by \`npm run demo\` on ${r.date.slice(0, 10)} in ${r.seconds.toFixed(0)} s. Figures come from the quality check’s checker (colour, shape, position, subject count) and style metric (tools/loom-tiny/quality); “adherence” is colour, shape and position all as asked. Rank and base-model figures read the comparison grid of this same run (${r.settings.gridRows} prompts per column); the others render held-out prompts (seed = the prompt’s index).`,
    '',
    '## 1. Prompts matter',
    '',
    `${r.settings.prompts} held-out subjects on the base model, worded three ways. Colour and shape as asked: the library’s caption form (the training captions’ words) ${pct(caption.subject)} of pictures, the bare subject ${pct(bare.subject)}, the caption with the seed’s positives (“${r.settings.habit.positive}”) and negatives (“${r.settings.habit.negative}”) ${pct(habit.subject)}.`,
    '',
    ...table(
      ['prompt', 'adherence', 'colour + shape', 'one subject'],
      r.prompts.map((g) => [g.label, pct(g.adherence), pct(g.subject), pct(g.oneSubject)]),
    ),
    '',
    img(STRIPS.prompts, 'rows: bare subject, caption form, caption with the seed’s positives and negatives'),
    '',
    '## 2. The base model matters',
    '',
    `The same prompts and seeds (each ending in the trigger “loom style”) through the base model and through the loom-style LoRAs: the style metric calls ${pct(base.styled)} of the base pictures styled and ${pct(lora.styled)} of the LoRA ones; adherence is ${pct(base.adherence)} on the base model and ${pct(lora.adherence)} through a LoRA. No second training checkpoint is shipped, so the LoRA stands in for “another base”.`,
    '',
    ...table(
      ['model', 'adherence', 'styled', 'mean style score'],
      r.baseModel.map((g) => [g.label, pct(g.adherence), pct(g.styled), g.meanStyle.toFixed(2)]),
    ),
    '',
    img(STRIPS.baseModel, 'rows: base model, LoRA'),
    '',
    '## 3. Rank',
    '',
    `Ranks ${r.rank.map((g) => g.rank).join(', ')} at strength 1 on the grid’s prompts. Style accuracy (base pictures read plain, LoRA pictures styled) and adherence per rank:`,
    '',
    ...table(
      ['rank', 'style accuracy', 'adherence', 'mean style score'],
      r.rank.map((g) => [String(g.rank), pct(g.styleAccuracy), pct(g.adherence), g.meanStyle.toFixed(2)]),
    ),
    '',
    img(STRIPS.rank, 'rows: LoRA ranks'),
    '',
    '## 4. Resolution',
    '',
    `${r.settings.resolutionPrompts} held-out prompts at 2× the trained size (128 px), checked at the trained size (2×2 average). Rendered directly at 2×, ${pct(direct.oneSubject)} of pictures show exactly one subject (${direct.meanSubjects.toFixed(1)} on average) — ${compare(direct.oneSubject, hires.oneSubject)} hires fix (${pct(hires.oneSubject)}) and the upscale model (${pct(upscaled.oneSubject)}); at the trained size ${pct(trained.oneSubject)}.`,
    '',
    ...table(
      ['route', 'one subject', 'mean subjects', 'adherence'],
      r.resolution.map((g: Group) => [g.label, pct(g.oneSubject), g.meanSubjects.toFixed(1), pct(g.adherence)]),
    ),
    '',
    img(STRIPS.resolution, 'rows: trained size, directly at 2×, hires fix, upscale model'),
    '',
  ].join('\n');
}

/** The README's summary: one line per finding and bar. */
export function findingsTable(r: FindingsResult): string {
  const lines = [
    ...r.prompts.map((g) => ['prompts', g.label, `colour + shape ${pct(g.subject)}, adherence ${pct(g.adherence)}`]),
    ...r.baseModel.map((g) => ['base model', g.label, `styled ${pct(g.styled)}, adherence ${pct(g.adherence)}`]),
    ...r.rank.map((g) => ['rank', g.label, `style accuracy ${pct(g.styleAccuracy)}, adherence ${pct(g.adherence)}`]),
    ...r.resolution.map((g) => ['resolution', g.label, `one subject ${pct(g.oneSubject)} (mean ${g.meanSubjects.toFixed(1)}), adherence ${pct(g.adherence)}`]),
  ];
  return [
    ...table(['finding', 'case', 'measured'], lines),
    '',
    `From \`${'tools/loom-tiny/findings/results.json'}\` (${r.date.slice(0, 10)}, ${r.settings.prompts} prompts, ${r.settings.resolutionPrompts} at 2×, ${r.settings.gridRows} grid rows per rank).`,
  ].join('\n');
}
