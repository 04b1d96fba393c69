/**
 * The comparison as Markdown, laid out like the seed playground's README: one column per variant, one
 * row per image index, each cell an image link (`| ![0](./img/r00-0000.png) | ![0](./img/r04-0000.png) |`).
 * A second table says what each row index was made with.
 */
import type { GridPlan } from './plan.ts';

const escape = (text: string): string => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

/** `prompts[row]` is the prompt each row was actually made with (a prompt-library seed's text), when known. */
export function gridMarkdown(plan: GridPlan, imageDir: string, prompts: (string | undefined)[] = [], title = 'Comparison'): string {
  const dir = imageDir.replace(/\/+$/, '');
  const header = `| ${plan.variants.map((v) => escape(v.label)).join(' | ')} |`;
  const rule = `|${plan.variants.map(() => '-').join('|')}|`;
  const rows = plan.rows.map((row) => `| ${plan.variants.map((v) => `![${row.index}](${dir}/r${String(v.rank).padStart(2, '0')}-${String(row.index).padStart(4, '0')}.png)`).join(' | ')} |`);
  const legend = plan.rows.map((row) => {
    const text = prompts[row.index] ?? (typeof row.prompt === 'string' ? row.prompt : '');
    const source = typeof row.prompt === 'number' ? ` (prompt-library seed ${row.prompt})` : '';
    return `| ${row.index} | ${row.seed ?? ''} | ${escape(text)}${source} |`;
  });
  const variants = plan.variants.map((v) => `| ${escape(v.label)} | ${v.rank} | ${escape(Object.entries(v.set).map(([k, value]) => `${k}=${String(value)}`).join(', '))} |`);
  return [
    `# ${title}`,
    '',
    header,
    rule,
    ...rows,
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
