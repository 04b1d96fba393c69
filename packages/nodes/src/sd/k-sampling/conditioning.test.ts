import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { LoomError, type NodeContext } from '@loom/engine';
import { conditioningOf, type Conditioning } from '../../ports.ts';
import { conditioningCombineNode } from '../../nodes/conditioning-combine.ts';
import { conditioningSetAreaNode } from '../../nodes/conditioning-set-area.ts';
import { conditioningSetTimestepRangeNode } from '../../nodes/conditioning-set-timestep-range.ts';
import { conditioningZeroOutNode } from '../../nodes/conditioning-zero-out.ts';
import { ModelSampling } from './model-sampling.ts';
import { conditionedDenoiser, type EntryPrediction } from './conditioned-denoiser.ts';
import { areaMult } from './cond-batch.ts';
import { prepareEntries } from './cond-entries.ts';
import { kSample, type KSampleOptions } from './ksample.ts';

/*
 * KSampler with ComfyUI's multi-entry conditioning (Combine, SetArea, SetTimestepRange, ZeroOut) against
 * tools/comfy-ref/make_conditioning_fixture.py: a torch float32 re-derivation of comfy/samplers.py `process_conds`,
 * `calc_cond_batch` and `get_area_and_mult` on a toy model whose "prompt" is its own parameters:
 * ε(x_c, t) = (0.95 + 0.05 cos(t/150))·M x_c + b·t/1000 + 0.1·mean_hw(x_c), where M (4×4) and b (4) are the
 * entry's 20 hidden-state values and the mean is over the crop the entry sees.
 */
interface EntrySpec {
  prompt: string;
  area?: { width: number; height: number; x: number; y: number };
  strength?: number;
  range?: [number, number];
}
/** A fixture case: the sampler settings and both sides' entries. */
type Case = Pick<KSampleOptions, 'sampler' | 'scheduler' | 'steps' | 'seed'> & {
  name: string;
  positive: EntrySpec[];
  negative: EntrySpec[];
  cfg: number;
  final: number[];
};
const fixture = JSON.parse(readFileSync(new URL('./fixtures/conditioning.json', import.meta.url), 'utf8')) as {
  shape: number[];
  start: number[];
  denoise: number;
  prompts: Record<string, number[]>;
  cases: Case[];
};
const ctx = {} as NodeContext;

const plain = (values: number[], prompt: string): Conditioning =>
  conditioningOf([{ family: 'sd15', embeds: Float32Array.from(values), tokens: 1, dim: 20, padWindow: new Float32Array(20), empty: false, prompt }]);

/** The entry as a graph builds it: encode, then ConditioningSetArea / SetTimestepRange / ZeroOut nodes. */
async function build(spec: EntrySpec): Promise<Conditioning> {
  let c =
    spec.prompt === 'zero'
      ? ((await conditioningZeroOutNode().run({ conditioning: plain(fixture.prompts.N!, 'N') }, {}, ctx)) as { conditioning: Conditioning }).conditioning
      : plain(fixture.prompts[spec.prompt]!, spec.prompt);
  if (spec.area)
    c = ((await conditioningSetAreaNode().run({ conditioning: c }, { ...spec.area, strength: spec.strength ?? 1 }, ctx)) as { conditioning: Conditioning })
      .conditioning;
  if (spec.range)
    c = (
      (await conditioningSetTimestepRangeNode().run({ conditioning: c }, { start: spec.range[0], end: spec.range[1] }, ctx)) as { conditioning: Conditioning }
    ).conditioning;
  return c;
}

async function combined(specs: EntrySpec[]): Promise<Conditioning> {
  let out = await build(specs[0]!);
  for (const spec of specs.slice(1))
    out = ((await conditioningCombineNode().run({ conditioning1: out, conditioning2: await build(spec) }, {}, ctx)) as { conditioning: Conditioning })
      .conditioning;
  return out;
}

const toyPrediction: EntryPrediction = async (xc, shape, t, runs) => {
  const [rows, channels, h, w] = shape as [number, number, number, number];
  const batch = rows / runs.length;
  const plane = h * w;
  const scale = 0.95 + 0.05 * Math.cos(t / 150);
  const out = new Float32Array(xc.length);
  for (let row = 0; row < rows; row++) {
    const p = runs[Math.floor(row / batch)]!.sampled.entry.embeds;
    const mean = Array.from(
      { length: channels },
      (_, c) => xc.subarray((row * channels + c) * plane, (row * channels + c + 1) * plane).reduce((a, b) => a + b, 0) / plane,
    );
    for (let o = 0; o < channels; o++) {
      for (let q = 0; q < plane; q++) {
        let sum = 0;
        for (let c = 0; c < channels; c++) sum += p[o * 4 + c]! * xc[(row * channels + c) * plane + q]!;
        out[(row * channels + o) * plane + q] = sum * scale + p[16 + o]! * (t / 1000) + 0.1 * mean[o]!;
      }
    }
  }
  return out;
};

test('Combine, SetArea (strength, clamped, negative-side), SetTimestepRange and ZeroOut sample as ComfyUI does (torch reference)', async () => {
  const ms = ModelSampling.fromSchedulerConfig({});
  const shape = fixture.shape;
  assert.equal(fixture.cases.length, 8);
  let worst = 0;
  for (const c of fixture.cases) {
    const denoiser = conditionedDenoiser(ms, toyPrediction, shape, await combined(c.positive), await combined(c.negative), c.cfg);
    const out = await kSample(ms, denoiser, Float32Array.from(fixture.start), shape, {
      sampler: c.sampler,
      scheduler: c.scheduler,
      steps: c.steps,
      seed: c.seed,
      denoise: fixture.denoise,
    });
    out.forEach((v, i) => {
      const err = Math.abs(v - c.final[i]!) / Math.max(1, Math.abs(c.final[i]!));
      worst = Math.max(worst, err);
      assert.ok(err <= 1e-4, `${c.name}[${i}]: ${v} vs ${c.final[i]}`);
    });
  }
  console.log(`worst final-latent error (absolute, relative above 1): ${worst.toExponential(2)}`);
});

test('an area weight ramps over a quarter of its size (at most 8) on the edges inside the latent', () => {
  // Hand-worked: a 4-row area (rr = 4 // 4 = 1: a one-row ramp multiplies by 1) spanning all 8 columns: only the strength shows.
  assert.deepEqual([...areaMult({ x: 0, y: 2, width: 8, height: 4 }, true, 12, 8, 0.5)], new Array(32).fill(0.5));
  // 8 rows at y 2 (rr 2, both row edges inside), 8 columns at x 4 of 16 (rr 2, left edge inside, right edge at 12 < 16).
  const m = areaMult({ x: 4, y: 2, width: 8, height: 8 }, true, 12, 16, 1);
  const rows = [0.5, 1, 1, 1, 1, 1, 1, 0.5];
  const cols = [0.5, 1, 1, 1, 1, 1, 1, 0.5];
  assert.deepEqual(
    [...m],
    rows.flatMap((r) => cols.map((c) => r * c)),
  );
  // Without an area (the whole latent) nothing ramps, whatever the size.
  assert.deepEqual([...areaMult({ x: 0, y: 0, width: 16, height: 16 }, false, 16, 16, 2)], new Array(256).fill(2));
});

test('an area entry gets a twin with the same area on the other side, prompted by the smallest entry covering it', async () => {
  const ms = ModelSampling.fromSchedulerConfig({});
  const positive = await combined([{ prompt: 'A' }, { prompt: 'B', area: { width: 64, height: 64, x: 16, y: 16 }, strength: 0.6 }]);
  const negative = await combined([{ prompt: 'N' }, { prompt: 'zero', area: { width: 96, height: 96, x: 0, y: 0 } }]);
  const [pos, neg] = prepareEntries(ms, positive, negative);
  // Hand-worked from create_cond_with_same_area_if_none: B's 8×8 area is covered by N (whole) and the zeroed 12×12
  // area; an area beats a whole entry, so its negative twin is the zeroed prompt. The zeroed 12×12 area is covered on
  // the positive side only by A (B's area is smaller), so A is twinned at 12×12. B's twin finds B itself: no more.
  const label = (e: (typeof pos)[number]): [string, number | null, number] => [
    e.entry.embeds.some((v) => v !== 0) ? e.entry.prompt : '0',
    e.area?.width ?? null,
    e.strength,
  ];
  assert.deepEqual(pos.map(label), [
    ['A', null, 1],
    ['B', 8, 0.6],
    ['A', 12, 1],
  ]);
  assert.deepEqual(neg.map(label), [
    ['N', null, 1],
    ['0', 12, 1],
    ['0', 8, 0.6],
  ]);
  assert.deepEqual(new Set([...pos, ...neg].map((e) => e.id)).size, 6, 'ids are unique');
});

test('an area that starts outside the latent fails at the first step, naming the input and the pixel position', async () => {
  const ms = ModelSampling.fromSchedulerConfig({});
  const positive = await combined([{ prompt: 'A' }, { prompt: 'B', area: { width: 64, height: 64, x: 200, y: 0 } }]);
  const denoiser = conditionedDenoiser(ms, toyPrediction, fixture.shape, positive, await combined([{ prompt: 'N' }]), 3);
  await assert.rejects(
    denoiser(Float32Array.from(fixture.start), 2),
    (err: unknown) => err instanceof LoomError && err.input === 'positive' && /x 200, y 0 px, outside the 128×96 image/.test(err.message),
  );
});
