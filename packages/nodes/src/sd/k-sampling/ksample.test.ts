import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ModelSampling } from './model-sampling.ts';
import { discreteDenoiser } from './denoiser.ts';
import { kSample } from './ksample.ts';
import type { KSamplerName } from './samplers/index.ts';
import type { SchedulerName } from './schedulers.ts';

/*
 * Full KSampler runs on a toy eps-prediction UNet with a closed form, against tools/comfy-ref (torch float32
 * re-derivation of ComfyUI's noise, σ lists, first-step scaling, KSamplerX0Inpaint, CFG on denoised outputs and
 * each k-diffusion sampler; `/usr/bin/python3 tools/comfy-ref/make_fixtures.py`).
 * The toy (same as tools/comfy-ref/comfy_ref/ksample.py): ε(x_c, t) = (0.95 + 0.05 cos(t/150))·M x_c + b·t/1000,
 * with M, b per prompt.
 */
interface LoopCase {
  sampler: KSamplerName;
  scheduler: SchedulerName;
  steps: number;
  cfg: number;
  seed: number;
  latent: 'zeros' | 'start';
  denoise?: number;
  batch_index?: number[];
  mask?: boolean;
  add_noise?: boolean;
  start_step?: number;
  last_step?: number;
  force_full_denoise?: boolean;
  chain?: boolean;
  prediction?: 'v_prediction';
  final: number[];
}
const fixture = JSON.parse(readFileSync(new URL('./fixtures/loops.json', import.meta.url), 'utf8')) as {
  shape: number[];
  start: number[];
  mask: number[];
  cases: LoopCase[];
};

const TOY = {
  cond: {
    m: [
      [0.9, 0.05, 0.0, -0.05],
      [0.03, 0.85, 0.05, 0.0],
      [0.0, -0.03, 0.95, 0.05],
      [0.05, 0.0, 0.03, 0.9],
    ],
    bias: [0.03, -0.02, 0.01, 0.025],
  },
  uncond: {
    m: [
      [0.88, 0.0, 0.03, 0.0],
      [0.0, 0.9, 0.0, 0.03],
      [0.03, 0.0, 0.9, 0.0],
      [0.0, 0.03, 0.0, 0.88],
    ],
    bias: [0.01, 0.01, -0.01, 0.0],
  },
};

function toyEps(xc: Float32Array, t: number, which: keyof typeof TOY, shape: readonly number[]): Float32Array {
  const [batch, channels, h, w] = shape as [number, number, number, number];
  const plane = h * w;
  const scale = 0.95 + 0.05 * Math.cos(t / 150);
  const out = new Float32Array(xc.length);
  for (let b = 0; b < batch; b++) {
    for (let o = 0; o < channels; o++) {
      for (let p = 0; p < plane; p++) {
        let sum = 0;
        for (let c = 0; c < channels; c++) sum += TOY[which].m[o]![c]! * xc[(b * channels + c) * plane + p]!;
        out[(b * channels + o) * plane + p] = sum * scale + TOY[which].bias[o]! * (t / 1000);
      }
    }
  }
  return out;
}

/** CFG on the prediction: the same affine combination ComfyUI applies to the denoised outputs. */
const toyPrediction =
  (cfg: number, shape: readonly number[]) =>
  async (xc: Float32Array, t: number): Promise<Float32Array> => {
    const cond = toyEps(xc, t, 'cond', shape);
    if (cfg === 1) return cond;
    const uncond = toyEps(xc, t, 'uncond', shape);
    return uncond.map((u, i) => u + (cond[i]! - u) * cfg);
  };

test('every sampler × scheduler and the img2img / batch / inpaint / advanced cases match the torch reference', async () => {
  const shape = fixture.shape;
  const start = Float32Array.from(fixture.start);
  let previous: Float32Array | undefined;
  let worst = 0;
  assert.equal(fixture.cases.length, 15 * 7 + 10);
  for (const c of fixture.cases) {
    const ms = ModelSampling.fromSchedulerConfig({ prediction_type: c.prediction ?? 'epsilon' });
    const latent = c.chain ? previous! : c.latent === 'start' ? start : new Float32Array(start.length);
    const steps: number[] = [];
    const out = await kSample(ms, discreteDenoiser(ms, toyPrediction(c.cfg, shape)), latent, shape, {
      sampler: c.sampler,
      scheduler: c.scheduler,
      steps: c.steps,
      seed: c.seed,
      ...(c.denoise !== undefined && { denoise: c.denoise }),
      ...(c.batch_index && { batchIndex: c.batch_index }),
      ...(c.mask && { noiseMask: { values: Float32Array.from(fixture.mask), shape: [1, 1, 3, 3] } }),
      ...(c.add_noise === false && { addNoise: false }),
      ...(c.start_step !== undefined && { startAtStep: c.start_step, endAtStep: c.last_step!, forceFullDenoise: c.force_full_denoise! }),
      onStep: (step, total) => {
        steps.push(step);
        assert.ok(step < total);
      },
    });
    previous = out;
    const label = `${c.sampler}/${c.scheduler} ${JSON.stringify({ ...c, final: undefined })}`;
    assert.ok(steps.length > 0 && steps.every((s, i) => s === i), `${label}: one callback per step`);
    out.forEach((v, i) => {
      const err = Math.abs(v - c.final[i]!) / Math.max(1, Math.abs(c.final[i]!));
      worst = Math.max(worst, err);
      assert.ok(err <= 1e-4, `${label}[${i}]: ${v} vs ${c.final[i]}`);
    });
  }
  console.log(`worst final-latent error (absolute, relative above 1): ${worst.toExponential(2)}`);
});
