import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ModelSampling } from './model-sampling.ts';
import { ksamplerSigmas } from './sigmas.ts';
import type { SchedulerName } from './schedulers.ts';

/*
 * Expected σ come from tools/comfy-ref (torch float32 re-derivation of ComfyUI's ModelSamplingDiscrete and
 * schedulers; `/usr/bin/python3 tools/comfy-ref/make_fixtures.py`), never from this code.
 */
interface SigmaCase {
  model: 'sd15' | 'sdxl' | 'linear';
  scheduler: SchedulerName;
  sampler: string;
  steps: number;
  denoise: number;
  start_step?: number;
  last_step?: number;
  force_full_denoise?: boolean;
  sigmas: number[] | null;
}
const fixture = JSON.parse(readFileSync(new URL('./fixtures/sigmas.json', import.meta.url), 'utf8')) as { table: Record<string, number[]>; cases: SigmaCase[] };
const CONFIGS = {
  sd15: { beta_start: 0.00085, beta_end: 0.012, beta_schedule: 'scaled_linear' },
  sdxl: { beta_start: 0.00085, beta_end: 0.012, beta_schedule: 'scaled_linear', prediction_type: 'epsilon' },
  linear: { beta_start: 0.0001, beta_end: 0.02, beta_schedule: 'linear' },
};

const close = (actual: ArrayLike<number>, expected: readonly number[], label: string): void => {
  assert.equal(actual.length, expected.length, `${label}: length`);
  Array.from(actual).forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) <= 1e-5 * Math.abs(expected[i]!), `${label}[${i}]: ${v} vs ${expected[i]}`));
};

test('the discrete σ table matches ComfyUI (SD1.x betas and plain linear betas); σ_max is 14.6146 on SD1.5', () => {
  close(ModelSampling.fromSchedulerConfig(CONFIGS.sd15).sigmas, fixture.table.sd15!, 'sd15');
  close(ModelSampling.fromSchedulerConfig(CONFIGS.linear).sigmas, fixture.table.linear!, 'linear');
  assert.equal(ModelSampling.fromSchedulerConfig({}).sigmaMax.toFixed(4), '14.6146');
});

test("every scheduler, step count, denoise and KSamplerAdvanced range gives ComfyUI's σ list", () => {
  assert.equal(fixture.cases.length, 3 * (7 * 5 + 3));
  for (const c of fixture.cases) {
    const ms = ModelSampling.fromSchedulerConfig(CONFIGS[c.model]);
    const range = c.start_step === undefined ? {} : { startAtStep: c.start_step, endAtStep: c.last_step!, forceFullDenoise: c.force_full_denoise! };
    const label = `${c.model} ${c.scheduler} ${c.sampler} ${c.steps} denoise ${c.denoise} ${JSON.stringify(range)}`;
    const sigmas = ksamplerSigmas(ms, c.scheduler, c.sampler, c.steps, c.denoise, range);
    if (c.sigmas === null) assert.equal(sigmas, undefined, label);
    else close(sigmas!, c.sigmas, label);
  }
});

test('σ → timestep is the nearest table entry in log σ; timestep → σ interpolates log σ', () => {
  const ms = ModelSampling.fromSchedulerConfig({});
  assert.equal(ms.timestep(ms.sigmaMax), 999);
  assert.equal(ms.timestep(ms.sigmaMin), 0);
  assert.equal(ms.timestep(ms.sigmas[500]! * 1.0001), 500);
  const mid = ms.sigma(500.5);
  assert.ok(Math.abs(Math.log(mid) - (Math.log(ms.sigmas[500]!) + Math.log(ms.sigmas[501]!)) / 2) < 1e-6);
  assert.throws(() => ModelSampling.fromSchedulerConfig({ prediction_type: 'sample' }), /prediction_type "sample"/);
});
