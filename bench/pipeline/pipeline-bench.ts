/**
 * Pipeline overhead: UNetSampler inside the engine against a bare onnxruntime loop that uses the same
 * session, the same scheduler math and the same noise (goal ≤ 1.03×), on the tiny SD1.5 pipeline. Then,
 * unless LOOM_BENCH_LARGE=0 or the SD1.5-size random UNet is missing (`python3 tools/tiny-sd/make_full_unet.py`),
 * the same comparison with a few steps at 512×512 on that UNet, where per-step work dwarfs any overhead.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import type { Graph } from '@loom/engine';
import { createHost } from '../../packages/server/src/host.ts';
import { cachedSession } from '../../packages/nodes/src/runtime/session.ts';
import { createScheduler } from '../../packages/nodes/src/sd/schedulers/index.ts';
import { TorchCpuGenerator } from '../../packages/nodes/src/sd/rng/index.ts';
import { abba, median, spreadOf, writeResult, type Figure } from '../lib/report.ts';
import { carriedOver } from '../lib/carried-over.ts';
import { largeSkipReason, waitForQuietMachine } from '../throughput/large-model.ts';
import { benchConditioning, largePipeline } from '../throughput/large-pipeline.ts';
import { clockRuns, equalizedRatio, sampleLoop, type LoopSample } from '../throughput/run-clock.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const STEPS = 20;
/** A-B-B-A rounds: 2 × ROUNDS samples of each loop. */
const ROUNDS = 8;
const host = createHost({ modelsDir: join(root, 'models'), device: 'cpu' });
const link = (node: string, output: string) => ({ node, output });
const graph = (seed: number): Graph => ({
  version: 1,
  nodes: {
    loader: { type: 'ModelLoader', inputs: { pipeline: 'tiny-sd15' } },
    pos: { type: 'TextEncoder', inputs: { clip: link('loader', 'clip'), text: 'a portrait of a girl' } },
    neg: { type: 'TextEncoder', inputs: { clip: link('loader', 'clip'), text: 'blurry' } },
    latent: { type: 'EmptyLatent', inputs: { width: 64, height: 64 } },
    sampler: {
      type: 'UNetSampler',
      inputs: {
        model: link('loader', 'model'),
        positive: link('pos', 'conditioning'),
        negative: link('neg', 'conditioning'),
        latent: link('latent', 'latent'),
        seed,
        steps: STEPS,
        preview: false,
      },
    },
    out: { type: 'ShowText', inputs: { text: 'done' } },
  },
});

async function samplerMs(seed: number): Promise<number> {
  let ms = 0;
  await host.engine.run(graph(seed), {
    targets: ['sampler'],
    onEvent: (e) => void (e.type === 'node.finished' && e.nodeId === 'sampler' && (ms = e.durationMs)),
  });
  return ms;
}

/** The same steps written directly against onnxruntime: CFG batch, int64 timestep, Euler. */
async function bareMs(
  session: ort.InferenceSession,
  cond: Float32Array,
  uncond: Float32Array,
  schedulerConfig: Record<string, unknown>,
  seed: number,
  steps = STEPS,
  latent = 8,
): Promise<number> {
  const t0 = performance.now();
  const scheduler = createScheduler('euler', schedulerConfig);
  scheduler.setTimesteps(steps);
  const generator = new TorchCpuGenerator(seed);
  let x: Float32Array = generator.randn([1, 4, latent, latent]).map((v) => v * scheduler.initNoiseSigma);
  const hidden = new Float32Array(uncond.length + cond.length);
  hidden.set(uncond);
  hidden.set(cond, uncond.length);
  for (let i = 0; i < steps; i++) {
    const input = scheduler.scaleModelInput(x, i);
    const sample = new Float32Array(input.length * 2);
    sample.set(input);
    sample.set(input, input.length);
    const t = BigInt(Math.round(scheduler.timesteps[i] as number));
    const out = await session.run({
      sample: new ort.Tensor('float32', sample, [2, 4, latent, latent]),
      timestep: new ort.Tensor('int64', new BigInt64Array([t, t]), [2]),
      encoder_hidden_states: new ort.Tensor('float32', hidden, [2, 77, cond.length / 77]),
    });
    const eps = out.out_sample!.data as Float32Array;
    const guided = new Float32Array(input.length);
    for (let k = 0; k < guided.length; k++) guided[k] = eps[k]! + 7 * (eps[input.length + k]! - eps[k]!);
    x = scheduler.step(guided, i, x, generator).prevSample;
  }
  return performance.now() - t0;
}

// Warm up: loads the sessions and encodes the prompts once (both paths then use the same session).
const warm = await host.engine.run(graph(0), { targets: ['sampler', 'pos', 'neg'] });
const cond = (warm.outputs.get('pos')?.conditioning as { embeds: Float32Array }).embeds;
const uncond = (warm.outputs.get('neg')?.conditioning as { embeds: Float32Array }).embeds;
const pipeline = (warm.outputs.get('loader')?.model as { pipeline: { unet: string; schedulerConfig: Record<string, unknown> } }).pipeline;
const { session } = await cachedSession(host.engine.objects.forRun('bench'), pipeline.unet, host.config, { warn() {}, info() {} });
const clock = clockRuns(session);
let seed = 0;
const { a: loom, b: bare } = await abba(
  () => sampleLoop(clock, () => samplerMs(++seed)),
  () => sampleLoop(clock, () => bareMs(session, cond, uncond, pipeline.schedulerConfig, ++seed)),
  ROUNDS,
);
const figures: Figure[] = overheadFigures(`tiny SD1.5, ${STEPS}-step UNetSampler (CFG, 64×64)`, loom, bare, 'ms', STEPS);

function fmtRange(values: number[]): string {
  return `${Math.min(...values).toFixed(1)}–${Math.max(...values).toFixed(1)}`;
}

/**
 * Two figures per comparison: the wall-time ratio (noisy on a shared machine), and the ratio with the
 * time inside onnxruntime equalized (bench/throughput/run-clock.ts), which isolates the loop overhead
 * and carries the goal.
 */
function overheadFigures(metric: string, loomSamples: LoopSample[], bareSamples: LoopSample[], unit: 'ms' | 's', steps: number): Figure[] {
  const scale = unit === 's' ? 1 / 1000 : 1;
  const wall = (samples: LoopSample[]) => median(samples.map((x) => x.totalMs)) * scale;
  const eq = equalizedRatio(loomSamples, bareSamples);
  const outside = `outside onnxruntime per step: UNetSampler ${(eq.outsideA / steps).toFixed(2)} ms, bare ${(eq.outsideB / steps).toFixed(2)} ms`;
  return [
    {
      metric: `${metric}, wall time`,
      value: wall(loomSamples),
      unit,
      baseline: { name: 'bare onnxruntime loop', value: wall(bareSamples) },
      spread: spreadOf(
        loomSamples.map((x) => x.totalMs),
        scale,
      ),
      note: `median of ${loomSamples.length} runs each, A-B-B-A rounds in one process; bare loop ${fmtRange(bareSamples.map((x) => x.totalMs * scale))}`,
    },
    {
      metric: `${metric}, onnxruntime time equalized`,
      value: (eq.insideMs + eq.outsideA) * scale,
      unit,
      baseline: { name: 'bare loop', value: (eq.insideMs + eq.outsideB) * scale },
      goal: { text: '≤ 1.03×', met: eq.ratio <= 1.03 },
      spread: spreadOf(
        loomSamples.map((x) => x.totalMs - x.insideMs),
        scale,
      ),
      note: `${outside} (spread: UNetSampler's time outside onnxruntime per run)`,
    },
  ];
}

const skipLarge = largeSkipReason();
if (skipLarge) {
  console.log(`(skipping the SD1.5-size UNet: ${skipLarge}; its figures are carried over)`);
  figures.push(...carriedOver('pipeline', (f) => f.metric.startsWith('SD1.5-size')));
} else {
  await waitForQuietMachine();
  const LARGE_STEPS = 3;
  const SIZE = 512;
  const large = largePipeline();
  try {
    const runSampler = async (seed: number, steps: number): Promise<number> => {
      let ms = 0;
      await large.engine.run(large.graph(seed, steps, SIZE), {
        targets: ['sampler'],
        onEvent: (e) => void (e.type === 'node.finished' && e.nodeId === 'sampler' && (ms = e.durationMs)),
      });
      return ms;
    };
    // Warm up with one step: opens the session and grows its memory arena for this latent size.
    const t0 = performance.now();
    await runSampler(100, 1);
    const warmup = (performance.now() - t0) / 1000;
    const files = (await large.engine.run(large.graph(100, 1, SIZE), { targets: ['loader'] })).outputs.get('loader')?.model as {
      pipeline: { unet: string; schedulerConfig: Record<string, unknown> };
    };
    const { session: big } = await cachedSession(large.engine.objects.forRun('bench'), files.pipeline.unet, large.config, { warn() {}, info() {} });
    const [cond, uncond] = [benchConditioning(1).embeds, benchConditioning(2).embeds];
    const bigClock = clockRuns(big);
    // A B B A order, twice: the machine's drift over these minutes hits both sides alike.
    const rounds = await abba(
      () => sampleLoop(bigClock, () => runSampler(++seed, LARGE_STEPS)),
      () => sampleLoop(bigClock, () => bareMs(big, cond, uncond, files.pipeline.schedulerConfig, ++seed, LARGE_STEPS, SIZE / 8)),
      2,
    );
    const [loomLarge, bareLarge] = [rounds.a, rounds.b];
    const secs = (samples: LoopSample[]) => samples.map((x) => (x.totalMs / 1000).toFixed(1)).join(', ');
    console.log(`SD1.5-size, ${LARGE_STEPS} steps: UNetSampler ${secs(loomLarge)} s; bare ${secs(bareLarge)} s`);
    const [wall, equalized] = overheadFigures(
      `SD1.5-size UNet, ${LARGE_STEPS}-step UNetSampler (CFG, ${SIZE}×${SIZE})`,
      loomLarge,
      bareLarge,
      's',
      LARGE_STEPS,
    );
    figures.push({ ...wall!, note: `${wall!.note}; the first 1-step run, incl. opening the session: ${warmup.toFixed(1)} s` }, equalized!, {
      metric: 'SD1.5-size UNet, per CFG step (UNetSampler)',
      value: median(loomLarge.map((x) => x.totalMs)) / 1000 / LARGE_STEPS,
      unit: 's',
    });
  } finally {
    large.dispose();
  }
}
writeResult('pipeline', 'Pipeline overhead (UNetSampler vs bare onnxruntime)', figures);
