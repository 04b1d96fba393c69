/**
 * Session options on the SD1.5-size random UNet, each variant (variants.ts) in its own process
 * (probe-once.ts) so its peak RSS is its own: load time, first CFG step against the steady step (the
 * first-call penalty), peak RSS against the weights' size (memory), and int8 MatMul weights against fp32
 * (the `precision` option). 32×32 latent (a 64×64 step took over 3 minutes on the shared machine), batch 2,
 * three calls per process; the steady step is the third.
 * `default` and `int8` run first and last (A B … B A), so their ratio sees the machine's drift on both
 * sides. Env: LOOM_BENCH_LARGE=0 skips it (keeping the last result); LOOM_BENCH_LATENT sets the latent.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { median, spreadOf, writeResult, type Figure } from '../lib/report.ts';
import { LARGE_UNET, LARGE_UNET_LABEL, largeSkipReason, waitForQuietMachine } from '../throughput/large-model.ts';
import type { ProbeSample } from './probe-once.ts';
import type { Variant } from './variants.ts';

const skip = largeSkipReason();
if (skip) {
  console.log(`(skipping the session-options bench: ${skip}; bench/results/session-options.json keeps its last result)`);
  process.exit(0);
}
await waitForQuietMachine();

const LATENT = Number(process.env.LOOM_BENCH_LATENT ?? 32);
const CALLS = 3;
const worker = fileURLToPath(new URL('./probe-once.ts', import.meta.url));
// fp32 against int8 first (A B B A), then one process per memory and first-call variant. Arena off is left
// out: 1.2–1.36× slower per step and its first call 2–3× slower (runtime/session.ts).
const ORDER: Variant[] = [
  'default',
  'int8',
  'int8',
  'default',
  'mempattern-off',
  'prepack-off',
  'warmup',
  'init-device-alloc',
  'prepack-off+mempattern-off',
  'cfg-split',
];

function probe(variant: Variant): ProbeSample {
  const run = spawnSync(process.execPath, ['--import', 'tsx', worker, LARGE_UNET, variant, String(LATENT), String(CALLS)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = run.stdout.trim().split('\n').at(-1) ?? '';
  if (run.status !== 0 || !line.startsWith('{')) throw new Error(`probe-once (${variant}) failed with status ${run.status}: ${run.stdout}`);
  const sample = JSON.parse(line) as ProbeSample;
  console.log(
    `${variant}: load ${sample.loadSeconds.toFixed(1)} s, calls ${sample.callSeconds.map((s) => s.toFixed(1)).join(' / ')} s, peak RSS ${sample.peakRssGiB.toFixed(2)} GiB`,
  );
  return sample;
}

const samples = new Map<Variant, ProbeSample[]>();
for (const variant of ORDER) {
  samples.set(variant, [...(samples.get(variant) ?? []), probe(variant)]);
  writeFigures();
}

function writeFigures(): void {
  const all = (v: Variant) => samples.get(v) as ProbeSample[];
  const steady = (v: Variant) => median(all(v).map((s) => s.callSeconds.at(-1) as number));
  const first = (v: Variant) => median(all(v).map((s) => (s.callSeconds[0] as number) + s.warmupSeconds));
  const peak = (v: Variant) => median(all(v).map((s) => s.peakRssGiB));
  const weightsGiB = (all('default')[0] as ProbeSample).weightsGB / 1.024 ** 3;
  const runs = (v: Variant) => (all(v).length > 1 ? `median of ${all(v).length} processes` : 'one process');
  const defaultStep = { name: "Loom's default options", value: steady('default') };
  const figures: Figure[] = [];
  for (const v of samples.keys()) {
    const label = `${LARGE_UNET_LABEL}, ${LATENT}×${LATENT} latent, ${v}`;
    figures.push(
      {
        metric: `${label}: steady CFG step`,
        value: steady(v),
        unit: 's',
        ...(v !== 'default' && { baseline: defaultStep }),
        spread: spreadOf(all(v).map((s) => s.callSeconds.at(-1) as number)),
        note: runs(v),
      },
      {
        metric: `${label}: first CFG step ÷ steady step`,
        value: first(v) / steady(v),
        unit: '×',
        goal: { text: '≤ 1.2×', met: first(v) / steady(v) <= 1.2 },
        note: `first ${first(v).toFixed(1)} s${v === 'warmup' ? ' (incl. the 8×8 warm-up call)' : ''}; second ${median(all(v).map((s) => s.callSeconds[1] as number)).toFixed(1)} s; load ${median(all(v).map((s) => s.loadSeconds)).toFixed(1)} s`,
      },
      {
        metric: `${label}: peak RSS ÷ weights`,
        value: peak(v) / weightsGiB,
        unit: '×',
        goal: { text: '≤ 1.3×', met: peak(v) / weightsGiB <= 1.3 },
        note: `peak RSS ${peak(v).toFixed(2)} GiB (VmHWM) for ${weightsGiB.toFixed(2)} GiB of weights`,
      },
    );
  }
  writeResult('session-options', `Session options on the ${LARGE_UNET_LABEL}: first-call penalty, peak memory, int8 weights`, figures);
}
