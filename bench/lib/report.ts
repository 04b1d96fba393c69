/**
 * Benchmark results: each bench writes `bench/results/<name>.json` as a list of figures, each with its
 * unit, and where one exists a baseline measured in the same run (so ratios survive a noisy machine).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';

export interface Figure {
  metric: string;
  value: number;
  unit: string;
  /** Same quantity measured for the baseline in the same run. */
  baseline?: { name: string; value: number };
  /** The goal, stated as text (e.g. "< 20 µs"), and whether this run met it. */
  goal?: { text: string; met: boolean };
  note?: string;
}

export interface BenchResult {
  name: string;
  title: string;
  date: string;
  machine: { cpus: number; model: string; memoryGiB: number; node: string };
  figures: Figure[];
}

export const resultsDir = new URL('../results/', import.meta.url);

export function writeResult(name: string, title: string, figures: Figure[]): BenchResult {
  const cpu = os.cpus();
  const result: BenchResult = {
    name,
    title,
    date: new Date().toISOString(),
    machine: { cpus: cpu.length, model: cpu[0]?.model ?? 'unknown', memoryGiB: Math.round(os.totalmem() / 1024 ** 3), node: process.version },
    figures,
  };
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(new URL(`${name}.json`, resultsDir), `${JSON.stringify(result, null, 2)}\n`);
  console.log(formatTable(result));
  return result;
}

const fmt = (v: number): string => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(3));

export function formatTable(result: BenchResult): string {
  const rows = result.figures.map((f) => {
    const ratio = f.baseline ? `${fmt(f.value / f.baseline.value)}× ${f.baseline.name}` : '';
    const goal = f.goal ? `${f.goal.text} ${f.goal.met ? '✓' : '✗'}` : '';
    return `| ${f.metric} | ${fmt(f.value)} ${f.unit} | ${ratio} | ${goal} |`;
  });
  return [`### ${result.title}`, '', '| metric | value | vs baseline | goal |', '|---|---|---|---|', ...rows, ''].join('\n');
}

/** Median of repeated measurements, in the unit of the samples. */
export function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
