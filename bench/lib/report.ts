/**
 * Benchmark results: each bench writes `bench/results/<name>.json` as a list of figures, each with its
 * unit, and where one exists a baseline measured in the same run (so ratios survive a noisy machine).
 * Every file records the CPU model, the load average around the run and the machine's physical fp32
 * peak; a GFLOP/s figure above that peak is refused before anything is written (cpu-peak.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { assertBelowPeak, machinePeak } from './cpu-peak.ts';

export interface Figure {
  metric: string;
  value: number;
  unit: string;
  /** Same quantity measured for the baseline in the same run. */
  baseline?: { name: string; value: number };
  /** The goal, stated as text (e.g. "< 20 µs"), and whether this run met it. */
  goal?: { text: string; met: boolean };
  note?: string;
  /** Threads a GFLOP/s figure ran on (its physical-peak check counts that many cores; all cores when absent). */
  threads?: number;
  /** Spread of the repeated samples behind `value`: min and max, same unit, and how many samples. */
  spread?: { min: number; max: number; samples: number };
}

export interface BenchResult {
  name: string;
  title: string;
  date: string;
  machine: {
    cpus: number;
    model: string;
    memoryGiB: number;
    node: string;
    /** 1-, 5- and 15-minute load averages when the bench process started and when it wrote its result. */
    loadavg?: { start: number[]; end: number[] };
    /** Physical fp32 peak with all cores, and how it was computed. */
    peakGflops?: { value: number; formula: string };
  };
  figures: Figure[];
}

const loadAtStart = os.loadavg();

/** Refuses (throws) any GFLOP/s figure or baseline above the physical peak for its thread count. */
export function checkPhysicalPeak(result: Pick<BenchResult, 'name' | 'figures'>): void {
  const peak = machinePeak();
  for (const f of result.figures) {
    if (f.unit !== 'GFLOP/s') continue;
    assertBelowPeak(`${result.name}: ${f.metric}`, f.value, f.threads, peak);
    if (f.baseline) assertBelowPeak(`${result.name}: ${f.metric} (baseline ${f.baseline.name})`, f.baseline.value, f.threads, peak);
  }
}

export const resultsDir = new URL('../results/', import.meta.url);

export function writeResult(name: string, title: string, figures: Figure[]): BenchResult {
  const cpu = os.cpus();
  const peak = machinePeak();
  const result: BenchResult = {
    name,
    title,
    date: new Date().toISOString(),
    machine: {
      cpus: cpu.length,
      model: cpu[0]?.model ?? 'unknown',
      memoryGiB: Math.round(os.totalmem() / 1024 ** 3),
      node: process.version,
      loadavg: { start: loadAtStart.map(round2), end: os.loadavg().map(round2) },
      peakGflops: {
        value: peak.gflops(),
        formula: `${peak.physicalCores} cores × ${peak.flopsPerCycle} FLOP/cycle × ${peak.maxGHz.toFixed(2)} GHz (${peak.clockSource})`,
      },
    },
    figures,
  };
  checkPhysicalPeak(result);
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
    const spread = f.spread ? ` (${fmt(f.spread.min)}–${fmt(f.spread.max)}, n=${f.spread.samples})` : '';
    return `| ${f.metric} | ${fmt(f.value)} ${f.unit}${spread} | ${ratio} | ${goal} |`;
  });
  return [`### ${result.title}`, '', '| metric | value | vs baseline | goal |', '|---|---|---|---|', ...rows, ''].join('\n');
}

const round2 = (v: number): number => Math.round(v * 100) / 100;

/** Median of repeated measurements, in the unit of the samples. */
export function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Min and max of repeated samples, for a figure's `spread`. */
export function spreadOf(samples: number[], scale = 1): { min: number; max: number; samples: number } {
  return { min: Math.min(...samples) * scale, max: Math.max(...samples) * scale, samples: samples.length };
}

/**
 * Runs `a` and `b` in A B B A order, `rounds` times (2·rounds samples each), in one process, so the
 * machine's drift over the rounds hits both sides alike.
 */
export async function abba<T>(a: () => Promise<T>, b: () => Promise<T>, rounds: number): Promise<{ a: T[]; b: T[] }> {
  const out = { a: [] as T[], b: [] as T[] };
  for (let r = 0; r < rounds; r++) {
    out.a.push(await a());
    out.b.push(await b());
    out.b.push(await b());
    out.a.push(await a());
  }
  return out;
}
