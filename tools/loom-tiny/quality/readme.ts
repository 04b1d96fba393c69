/**
 * The README's loom-tiny quality table, from the committed summary of a `npm run quality` run
 * (`tools/loom-tiny/quality/results.json`, written with `--results`), for `npm run gen:readme`;
 * test/quality/quality-readme.test.ts fails when the README is stale.
 */
import { readFileSync } from 'node:fs';
import type { QualityReport } from './report.ts';

export const QUALITY_RESULTS = new URL('./results.json', import.meta.url);

/** What the README shows of a run: its figures, without per-picture cases. */
export interface QualitySummary {
  date: string;
  adherence?: { count: number; adherence: number; perAttribute: Record<string, number> };
  roundTrip?: { count: number; adherence: number };
  style?: { prompts: number; ranks: { rank: number; accuracy: number; curve: { strength: number; mean: number }[] }[] };
  /** Adherence of the style prompts' pictures, base and through each LoRA at strength 1. */
  loraAdherence?: { count: number; base: number; ranks: { rank: number; adherence: number }[] };
  bars: Record<string, number>;
}

export function qualitySummary(report: QualityReport): QualitySummary {
  const { adherence: a, roundTrip: t, style: s, loraAdherence: l } = report;
  return {
    date: report.date,
    ...(a && { adherence: { count: a.count, adherence: a.adherence, perAttribute: a.perAttribute } }),
    ...(t && { roundTrip: { count: t.count, adherence: t.adherence } }),
    ...(l && { loraAdherence: { count: l.base.count, base: l.base.adherence, ranks: l.ranks.map((r) => ({ rank: r.rank, adherence: r.adherence })) } }),
    ...(s && {
      style: {
        prompts: s.prompts.length,
        ranks: s.ranks.map((r) => ({ rank: r.rank, accuracy: r.accuracy, curve: r.curve.map((p) => ({ strength: p.strength, mean: p.mean })) })),
      },
    }),
    bars: report.bars,
  };
}

const pct = (v: number): string => `${(100 * v).toFixed(1)}%`;

export function qualityTable(q: QualitySummary): string {
  const rows: string[] = ['| check | result | bar |', '|---|---|---|'];
  const bar = (key: string): string => (q.bars[key] === undefined ? '' : `≥ ${pct(q.bars[key] as number)}`);
  if (q.adherence) {
    const a = q.adherence;
    rows.push(
      `| prompt adherence: colour, shape and position all right, ${a.count} held-out prompts (combinations never seen in training) | **${pct(a.adherence)}** (${Math.round(a.adherence * a.count)}/${a.count}) | ${bar('adherence')} |`,
    );
    const p = a.perAttribute;
    rows.push(
      `| per attribute: colour / shape / position (size) | ${[p.colour, p.shape, p.position].map((v) => pct(v ?? 0)).join(' / ')} (${pct(p.size ?? 0)}) | |`,
    );
  }
  if (q.roundTrip)
    rows.push(
      `| the VAE's ceiling: ${q.roundTrip.count} labelled renders through VAEEncode → VAEDecode, read by the checker | ${pct(q.roundTrip.adherence)} | |`,
    );
  if (q.style && q.style.ranks.length > 0) {
    const ranks = q.style.ranks;
    rows.push(
      `| style metric accuracy, base vs LoRA at strength 1 (ranks ${ranks.map((r) => r.rank).join(' / ')}) | ${ranks.map((r) => pct(r.accuracy)).join(' / ')} (${q.style.prompts} prompts) | ${bar('styleAccuracy')} |`,
    );
    const top = ranks.at(-1)!;
    rows.push(
      `| style metric, mean at strength ${top.curve.map((c) => c.strength).join(' / ')} (rank ${top.rank}) | ${top.curve.map((c) => c.mean.toFixed(3)).join(' / ')} | rises |`,
    );
  }
  if (q.loraAdherence && q.loraAdherence.ranks.length > 0) {
    const l = q.loraAdherence;
    rows.push(
      `| prompt adherence through the LoRA at strength 1, ${l.count} held-out prompts + ", loom style" (ranks ${l.ranks.map((r) => r.rank).join(' / ')}; base ${pct(l.base)}) | ${l.ranks.map((r) => pct(r.adherence)).join(' / ')} | ${bar('loraAdherence')} |`,
    );
  }
  rows.push(
    '',
    `From \`tools/loom-tiny/quality/results.json\` (\`npm run quality -- --results tools/loom-tiny/quality/results.json\`, ${q.date.slice(0, 10)}; 20 steps, euler, CFG 4).`,
  );
  return rows.join('\n');
}

export function committedQualityTable(file: URL | string = QUALITY_RESULTS): string {
  return qualityTable(JSON.parse(readFileSync(file, 'utf8')) as QualitySummary);
}
