/**
 * The comparison as Markdown, laid out like the seed playground's README: one column per variant, one
 * row per image index, each cell an image link (`| ![0](./img/r00-0000.png) | ![0](./img/r04-0000.png) |`).
 * The first column names the row by its prompt (shortened, labels.ts); a second table says what each row
 * index was made with in full, and a line counts the SafetyRetry attempts when the graph has one.
 */
import type { GridPlan } from './plan.ts';
import { rowLabel } from './labels.ts';

/** SafetyRetry attempts per cell file; absent when no SafetyRetry made the cells. */
export type CellAttempts = { file: string; attempts: number }[] | undefined;

/** "SafetyRetry: 12 cells checked, all on the first attempt" or which cells needed more. */
export function safetySummary(attempts: CellAttempts): string {
  if (attempts === undefined) return 'SafetyRetry: not in the graph (no cell was checked).';
  const retried = attempts.filter((a) => a.attempts > 1);
  const extra = retried.reduce((n, a) => n + a.attempts - 1, 0);
  if (retried.length === 0) return `SafetyRetry: ${attempts.length} cells checked, all passed on the first attempt.`;
  return `SafetyRetry: ${attempts.length} cells checked, ${retried.length} retried (${extra} extra attempts): ${retried.map((a) => `${a.file} ${a.attempts} attempts`).join(', ')}.`;
}

const escape = (text: string): string => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

/** `prompts[row]` is the prompt each row was actually made with (a prompt-library seed's text), when known. */
export function gridMarkdown(
  plan: GridPlan,
  imageDir: string,
  prompts: (string | undefined)[] = [],
  attempts: CellAttempts = undefined,
  title = 'Comparison',
): string {
  const dir = imageDir.replace(/\/+$/, '');
  const header = `| prompt | ${plan.variants.map((v) => escape(v.label)).join(' | ')} |`;
  const rule = `|-|${plan.variants.map(() => '-').join('|')}|`;
  const rows = plan.rows.map(
    (row) =>
      `| ${escape(rowLabel(plan, row, prompts[row.index]))} | ${plan.variants.map((v) => `![${row.index}](${dir}/r${String(v.rank).padStart(2, '0')}-${String(row.index).padStart(4, '0')}.png)`).join(' | ')} |`,
  );
  const legend = plan.rows.map((row) => {
    const text = prompts[row.index] ?? (typeof row.prompt === 'string' ? row.prompt : '');
    const source = typeof row.prompt === 'number' ? ` (prompt-library seed ${row.prompt})` : '';
    return `| ${row.index} | ${row.seed ?? ''} | ${escape(text)}${source} |`;
  });
  const variants = plan.variants.map(
    (v) =>
      `| ${escape(v.label)} | ${v.rank} | ${escape(
        Object.entries(v.set)
          .map(([k, value]) => `${k}=${String(value)}`)
          .join(', '),
      )} |`,
  );
  return [
    `# ${title}`,
    '',
    header,
    rule,
    ...rows,
    '',
    safetySummary(attempts),
    '',
    '| index | seed | prompt |',
    '|-|-|-|',
    ...legend,
    '',
    '| variant | rank | bindings |',
    '|-|-|-|',
    ...variants,
    '',
  ].join('\n');
}
