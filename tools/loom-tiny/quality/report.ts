/**
 * The quality report: report.json (every number and every case), report.md (the tables for the
 * README) and example grids drawn with Loom's comparison-grid renderer, plus each picture as a PNG.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { gridLayout, renderGrid } from '../../../packages/nodes/src/sd/grid/render.ts';
import { ATTRIBUTES, type AdherenceResult } from './adherence.ts';
import type { QualityBars, Verdict } from './bars.ts';
import { describeDetection } from './checker.ts';
import type { RgbImage } from './image.ts';
import type { LoraAdherenceResult } from './lora-adherence.ts';
import type { RoundTripResult } from './roundtrip.ts';
import type { StyleResult } from './style-eval.ts';

export interface QualityReport {
  date: string;
  settings: Record<string, unknown>;
  seconds: { adherence: number; style: number; perImage: number };
  adherence?: AdherenceResult;
  roundTrip?: RoundTripResult;
  style?: StyleResult;
  loraAdherence?: LoraAdherenceResult;
  bars: QualityBars;
  verdict: Verdict;
}

/** Cells are drawn at 2× (nearest neighbour), so 64-px pictures stay crisp and labels readable. */
const CELL = 128;
const pct = (v: number): string => `${(100 * v).toFixed(1)}%`;

export async function writeReport(dir: string, report: QualityReport): Promise<string[]> {
  await mkdir(join(dir, 'img'), { recursive: true });
  const written: string[] = [];
  const put = async (name: string, data: string | Buffer): Promise<void> => {
    await writeFile(join(dir, name), data);
    written.push(join(dir, name));
  };
  const { adherence, style } = report;
  for (const c of adherence?.cases ?? []) await writeFile(join(dir, 'img', `adherence-${String(c.index).padStart(4, '0')}.png`), await png(c.image));
  if (style) {
    for (const [i, image] of style.base.images.entries()) await writeFile(join(dir, 'img', `style-base-${String(i).padStart(4, '0')}.png`), await png(image));
    for (const r of style.ranks)
      for (const [i, image] of r.images.entries())
        await writeFile(join(dir, 'img', `style-r${String(r.rank).padStart(2, '0')}-${String(i).padStart(4, '0')}.png`), await png(image));
  }
  await put('report.json', `${JSON.stringify(report, (key, value) => (key === 'image' || key === 'images' ? undefined : value), 1)}\n`);
  await put('report.md', markdown(report));
  if (adherence && adherence.cases.length > 0) {
    const shown = adherence.cases.slice(0, 32);
    const rows = Array.from({ length: Math.ceil(shown.length / 8) }, (_, r) => shown.slice(r * 8, r * 8 + 8));
    const labels = rows.map((row) => `#${row[0]?.index}–${row.at(-1)?.index}: ${row.filter((c) => c.adheres).length}/${row.length} ok`);
    await put(
      'adherence-grid.png',
      await grid(
        Array.from({ length: 8 }, (_, i) => `+${i}`),
        labels,
        rows.map((row) => row.map((c) => c.image)),
      ),
    );
  }
  if (style && style.prompts.length > 0) {
    const n = Math.min(8, style.prompts.length);
    const columns = ['base', ...style.ranks.map((r) => `LoRA r${r.rank}`)];
    const cells = Array.from({ length: n }, (_, i) => [style.base.images[i], ...style.ranks.map((r) => r.images[i])]);
    await put(
      'grid.png',
      await grid(
        columns,
        Array.from({ length: n }, (_, i) => `#${i}`),
        cells,
      ),
    );
  }
  return written;
}

async function png(image: RgbImage): Promise<Buffer> {
  return sharp(Buffer.from(image.data), { raw: { width: image.width, height: image.height, channels: 3 } })
    .png()
    .toBuffer();
}

async function grid(columns: string[], rows: string[], cells: (RgbImage | undefined)[][]): Promise<Buffer> {
  const layout = gridLayout(columns.length, rows.length, CELL, CELL);
  const scaled = await Promise.all(
    cells.map((row) =>
      Promise.all(
        row.map((c) =>
          c
            ? sharp(Buffer.from(c.data), { raw: { width: c.width, height: c.height, channels: 3 } })
                .resize(CELL, CELL, { kernel: 'nearest' })
                .raw()
                .toBuffer()
            : undefined,
        ),
      ),
    ),
  );
  const { rgb } = await renderGrid(layout, columns, rows, scaled);
  return sharp(rgb, { raw: { width: layout.width, height: layout.height, channels: 3 } })
    .png()
    .toBuffer();
}

function markdown(report: QualityReport): string {
  const { adherence, roundTrip, style, loraAdherence, verdict } = report;
  const lines = [
    `# loom-tiny quality (${report.date})`,
    '',
    `Settings: ${Object.entries(report.settings)
      .map(([k, v]) => `${k} ${JSON.stringify(v)}`)
      .join(', ')}.`,
    '',
  ];
  if (adherence) {
    lines.push(
      `## Prompt adherence (${adherence.count} held-out prompts, seed = index)`,
      '',
      '| colour + shape + position | colour | shape | position | size | nothing found |',
      '|---|---|---|---|---|---|',
    );
    lines.push(
      `| **${pct(adherence.adherence)}** | ${ATTRIBUTES.map((a) => pct(adherence.perAttribute[a])).join(' | ')} | ${pct(adherence.nothingFound)} |`,
      '',
    );
    const misses = adherence.cases.filter((c) => !c.adheres);
    if (misses.length > 0) {
      lines.push('<details><summary>Misses</summary>', '', '| # | prompt | checker |', '|---|---|---|');
      for (const c of misses) lines.push(`| ${c.index} | ${c.expected.prompt} | ${describeDetection(c.detection)} |`);
      lines.push('', '</details>', '');
    }
  }
  if (roundTrip) {
    lines.push(
      `## VAE round trip (${roundTrip.count} labelled generator renders, encoded and decoded)`,
      '',
      'What the decoder alone keeps: a ceiling for prompt adherence.',
      '',
    );
    lines.push(
      '| colour + shape + position | colour | shape | position | size |',
      '|---|---|---|---|---|',
      `| **${pct(roundTrip.adherence)}** | ${ATTRIBUTES.map((a) => pct(roundTrip.perAttribute[a])).join(' | ')} |`,
      '',
    );
  }
  if (style) {
    const strengths = style.ranks[0]?.curve.map((p) => p.strength) ?? [];
    lines.push(
      `## Style (${style.prompts.length} held-out prompts + ", loom style")`,
      '',
      `Base pictures the metric calls styled: ${style.base.styled}/${style.prompts.length}.`,
      '',
    );
    lines.push(
      `| LoRA rank | accuracy at strength 1 | ${strengths.map((s) => `mean score at ${s}`).join(' | ')} | monotonic |`,
      `|---|---|${strengths.map(() => '---|').join('')}---|`,
    );
    for (const r of style.ranks)
      lines.push(
        `| ${r.rank} | **${pct(r.accuracy)}** | ${r.curve.map((p) => p.mean.toFixed(3)).join(' | ')} | ${r.curve.length > 1 ? (r.monotonic ? 'yes' : 'no') : '—'} |`,
      );
    lines.push('', '![base vs LoRA ranks](grid.png)', '');
  }
  if (loraAdherence) {
    lines.push(
      `## Prompt adherence through each LoRA at strength 1 (the ${loraAdherence.base.count} style prompts)`,
      '',
      '| model | colour + shape + position | colour | shape | position | size |',
      '|---|---|---|---|---|---|',
    );
    for (const r of [loraAdherence.base, ...loraAdherence.ranks])
      lines.push(
        `| ${r.rank === undefined ? 'base' : `LoRA rank ${r.rank}`} | **${pct(r.adherence)}** | ${ATTRIBUTES.map((a) => pct(r.perAttribute[a])).join(' | ')} |`,
      );
    const misses = loraAdherence.ranks.flatMap((r) => r.misses.map((m) => ({ rank: r.rank, ...m })));
    if (misses.length > 0) {
      lines.push('', '<details><summary>Misses</summary>', '', '| rank | # | prompt | checker |', '|---|---|---|---|');
      for (const m of misses) lines.push(`| ${m.rank} | ${m.index} | ${m.prompt} | ${describeDetection(m.detection)} |`);
      lines.push('', '</details>');
    }
    lines.push('');
  }
  lines.push(`## Verdict: ${verdict.passed ? 'all bars met' : 'bars missed'}`, '', ...verdict.failures.map((f) => `- ${f}`), '');
  lines.push(
    `Time: adherence ${report.seconds.adherence.toFixed(1)} s, style ${report.seconds.style.toFixed(1)} s, ${report.seconds.perImage.toFixed(3)} s per picture.`,
    '',
  );
  return lines.join('\n');
}
