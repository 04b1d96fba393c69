/**
 * The graph builder at SD1.5 size: the random 859.5 M-parameter UNet of tools/tiny-sd/make_full_unet.py,
 * whose same weights exist as a diffusers-folder safetensors and as a torch.onnx.export (Optimum layout).
 *   build        — safetensors → ONNX graph + model.onnx_data, in its own process (build-once.ts): time and peak RSS;
 *   load         — opening the built graph and the export with Loom's CPU options plus one small call
 *                  (open-once.ts), order built, export, export, built: time and peak RSS;
 *   step         — one CFG step (batch 2, 64×64 latent = 512 px) of both sessions open side by side,
 *                  A B B A rounds, ratio of medians. Goal ≤ 1.0× the export.
 * Peak RSS goal: ≤ 1.3× the float32 weights. The built model is deleted afterwards.
 * Skips (keeping the last result) when the large files are missing or LOOM_BENCH_LARGE=0.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { sessionOptions } from '../../packages/nodes/src/runtime/session.ts';
import { abba, median, writeResult } from '../lib/report.ts';
import { LARGE_UNET, largeSkipReason, waitForQuietMachine } from '../throughput/large-model.ts';
import { timeRun } from '../throughput/unet-step.ts';
import type { BuildSample } from './build-once.ts';
import type { OpenSample } from './open-once.ts';
import { stepFeeds } from './step-feeds.ts';

const root = join(LARGE_UNET, '..', '..');
const diffusersUnet = join(root, 'diffusers', 'unet');
const builtDir = join(root, 'built', 'unet');
const ROUNDS = Number(process.env.LOOM_BENCH_ROUNDS ?? 2);

const skip =
  largeSkipReason() ??
  (existsSync(join(diffusersUnet, 'diffusion_pytorch_model.safetensors'))
    ? undefined
    : `${diffusersUnet} is not generated (run /usr/bin/python3 tools/tiny-sd/make_full_unet.py)`);
if (skip) {
  console.log(`(skipping the checkpoint bench: ${skip}; bench/results/checkpoint.json keeps its last result)`);
  process.exit(0);
}
await waitForQuietMachine();

function child<T>(script: string, args: string[]): T {
  const run = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL(script, import.meta.url)), ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = run.stdout.trim().split('\n').at(-1) ?? '';
  if (run.status !== 0 || !line.startsWith('{')) throw new Error(`${script} failed with status ${run.status}: ${run.stdout}`);
  return JSON.parse(line) as T;
}

function relativeDifference(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / scale;
}

try {
  const build = child<BuildSample>('./build-once.ts', [diffusersUnet, builtDir]);
  console.log(`build: ${build.buildSeconds.toFixed(1)} s, peak RSS ${build.peakRssGiB.toFixed(2)} GiB, weights ${build.weightGiB.toFixed(2)} GiB`);
  const builtModel = join(builtDir, 'model.onnx');
  const opens = { built: [] as OpenSample[], export: [] as OpenSample[] };
  for (const which of ['built', 'export', 'export', 'built'] as const) {
    const s = child<OpenSample>('./open-once.ts', [which === 'built' ? builtModel : LARGE_UNET]);
    console.log(`load ${which}: ${s.loadSeconds.toFixed(1)} s, first call ${s.firstCallSeconds.toFixed(1)} s, peak RSS ${s.peakRssGiB.toFixed(2)} GiB`);
    opens[which].push(s);
  }
  const built = await ort.InferenceSession.create(builtModel, sessionOptions('cpu', 2));
  const exported = await ort.InferenceSession.create(LARGE_UNET, sessionOptions('cpu', 2));
  const fb = stepFeeds(built, 64);
  const fe = stepFeeds(exported, 64);
  await timeRun(built, fb);
  await timeRun(exported, fe);
  const steps = await abba(
    () => timeRun(built, fb),
    () => timeRun(exported, fe),
    ROUNDS,
  );
  console.log(`step built ${steps.a.map((v) => v.toFixed(2)).join(' ')} | export ${steps.b.map((v) => v.toFixed(2)).join(' ')}`);
  // same weights, same inputs: the two graphs must agree (a 16×16 latent keeps this cheap)
  const outBuilt = (await built.run(stepFeeds(built, 16))).out_sample!.data as Float32Array;
  const outExport = (await exported.run(stepFeeds(exported, 16))).out_sample!.data as Float32Array;
  const difference = relativeDifference(outBuilt, outExport);
  await built.release();
  await exported.release();

  const limit = 1.3 * build.weightGiB;
  const loadMed = (xs: OpenSample[], k: keyof OpenSample): number => median(xs.map((x) => x[k]));
  const stepBuilt = median(steps.a);
  const stepExport = median(steps.b);
  writeResult('checkpoint', 'Graph builder at SD1.5 size (random 859.5 M-parameter UNet, CPU, 2 threads)', [
    { metric: 'UNet build (safetensors → ONNX)', value: build.buildSeconds, unit: 's' },
    {
      metric: 'UNet build peak RSS',
      value: build.peakRssGiB,
      unit: 'GiB',
      goal: { text: `≤ 1.3× F32 weights (${limit.toFixed(2)} GiB)`, met: build.peakRssGiB <= limit },
    },
    {
      metric: 'cold load (build + open + first call)',
      value: build.buildSeconds + loadMed(opens.built, 'loadSeconds') + loadMed(opens.built, 'firstCallSeconds'),
      unit: 's',
    },
    {
      metric: 'warm load (open built + first call)',
      value: loadMed(opens.built, 'loadSeconds') + loadMed(opens.built, 'firstCallSeconds'),
      unit: 's',
      baseline: { name: 'export', value: loadMed(opens.export, 'loadSeconds') + loadMed(opens.export, 'firstCallSeconds') },
    },
    {
      metric: 'open peak RSS, built',
      value: loadMed(opens.built, 'peakRssGiB'),
      unit: 'GiB',
      baseline: { name: 'export', value: loadMed(opens.export, 'peakRssGiB') },
      goal: { text: `≤ 1.3× F32 weights (${limit.toFixed(2)} GiB)`, met: loadMed(opens.built, 'peakRssGiB') <= limit },
    },
    { metric: 'built vs export output, max |Δ| / max |export|', value: difference, unit: '', goal: { text: '< 1e-4', met: difference < 1e-4 } },
    {
      metric: 'UNet step (CFG batch 2, 64×64 latent)',
      value: stepBuilt,
      unit: 's',
      baseline: { name: 'torch.onnx.export', value: stepExport },
      goal: { text: '≤ 1.0× export', met: stepBuilt <= stepExport },
      note: `A B B A × ${ROUNDS}, medians`,
    },
  ]);
} finally {
  rmSync(join(root, 'built'), { recursive: true, force: true });
}
