/**
 * The machine's physical fp32 peak, so no bench can record a throughput the hardware cannot deliver.
 *
 *   peak GFLOP/s = cores used × FLOPs per cycle per core × max clock (GHz)
 *
 * - cores used: the threads a figure ran on, at most the physical cores (distinct `physical id` /
 *   `core id` pairs in /proc/cpuinfo; SMT siblings share one core's FMA units).
 * - FLOPs per cycle per core, fp32, from the vector ISA in the `flags` line: two FMA pipes of the
 *   widest vector, two FLOPs per FMA lane. avx512f: 2 × 16 × 2 = 64, except AMD family 25 (Zen 4),
 *   which executes 512-bit FMAs on two 256-bit halves: 32. avx2 + fma: 2 × 8 × 2 = 32. avx without
 *   fma: one 8-wide add and one 8-wide multiply per cycle = 16. Otherwise sse2: 2 × 4 = 8.
 * - max clock, first found of: `LOOM_CPU_MAX_GHZ`; /sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq
 *   (kHz); a "@ 3.50GHz" in the model name; else the `cpu MHz` line times {@link BOOST_CEILING}
 *   (virtual machines often report only the base clock there; server parts boost at most ~1.5× base,
 *   e.g. EPYC 7763 2.45 → 3.5 GHz, EPYC 9654 2.4 → 3.7 GHz). BogoMIPS is never used: it measures a
 *   delay loop, not the clock.
 *
 * Every number here errs high (no real kernel sustains both FMA pipes at max boost on every core), so a
 * figure above it is a measurement bug, never a fast machine.
 */
import { existsSync, readFileSync } from 'node:fs';

const BOOST_CEILING = 1.6;

export interface CpuPeak {
  model: string;
  physicalCores: number;
  flopsPerCycle: number;
  maxGHz: number;
  /** Where maxGHz came from. */
  clockSource: string;
  /** fp32 GFLOP/s with `threads` threads (all physical cores by default). */
  gflops(threads?: number): number;
}

/** The peak from the text of /proc/cpuinfo and, when known, cpuinfo_max_freq in kHz. */
export function cpuPeakFrom(cpuinfo: string, maxFreqKHz?: number, envGHz?: string): CpuPeak {
  const blocks = cpuinfo.split(/\n\s*\n/).filter((b) => b.includes('processor'));
  const field = (block: string, name: string): string | undefined => block.match(new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm'))?.[1]?.trim();
  const first = blocks[0] ?? '';
  const model = field(first, 'model name') ?? 'unknown';
  const cores = new Set(blocks.map((b) => `${field(b, 'physical id') ?? 0}/${field(b, 'core id') ?? field(b, 'processor')}`));
  const flags = new Set((field(first, 'flags') ?? '').split(/\s+/));
  const amdZen4 = field(first, 'vendor_id') === 'AuthenticAMD' && field(first, 'cpu family') === '25';
  const flopsPerCycle = flags.has('avx512f') ? (amdZen4 ? 32 : 64) : flags.has('avx2') && flags.has('fma') ? 32 : flags.has('avx') ? 16 : 8;
  const named = model.match(/@\s*([\d.]+)\s*GHz/i)?.[1];
  const mhz = Number(field(first, 'cpu MHz'));
  const [maxGHz, clockSource] =
    envGHz !== undefined && Number(envGHz) > 0
      ? [Number(envGHz), 'LOOM_CPU_MAX_GHZ']
      : maxFreqKHz !== undefined && maxFreqKHz > 0
        ? [maxFreqKHz / 1e6, 'cpufreq cpuinfo_max_freq']
        : named !== undefined
          ? [Number(named), 'model name']
          : [(mhz / 1000) * BOOST_CEILING, `cpu MHz ${mhz} × ${BOOST_CEILING} boost ceiling`];
  const physicalCores = Math.max(1, cores.size);
  return {
    model,
    physicalCores,
    flopsPerCycle,
    maxGHz,
    clockSource,
    gflops: (threads = physicalCores) => Math.min(threads, physicalCores) * flopsPerCycle * maxGHz,
  };
}

/** This machine's peak (Linux). */
export function machinePeak(): CpuPeak {
  const maxFreqPath = '/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq';
  const maxFreq = existsSync(maxFreqPath) ? Number(readFileSync(maxFreqPath, 'utf8').trim()) : undefined;
  return cpuPeakFrom(readFileSync('/proc/cpuinfo', 'utf8'), maxFreq, process.env.LOOM_CPU_MAX_GHZ);
}

/** Throws, naming the figure and the formula, when a rate exceeds what the hardware can do. */
export function assertBelowPeak(metric: string, gflops: number, threads: number | undefined, peak: CpuPeak): void {
  const limit = peak.gflops(threads);
  if (gflops > limit) {
    const used = Math.min(threads ?? peak.physicalCores, peak.physicalCores);
    throw new Error(
      `IMPOSSIBLE FIGURE: "${metric}" = ${gflops.toFixed(1)} GFLOP/s exceeds this machine's physical fp32 peak of ${limit.toFixed(1)} GFLOP/s ` +
        `(${used} core(s) × ${peak.flopsPerCycle} FLOP/cycle × ${peak.maxGHz.toFixed(2)} GHz from ${peak.clockSource}; ${peak.model}). ` +
        'The measurement is wrong (FLOP count, or a timing that missed the work); fix it before recording anything.',
    );
  }
}
