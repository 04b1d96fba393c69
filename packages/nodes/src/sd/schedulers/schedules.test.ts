import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoomError } from '@loom/engine';
import { createScheduler, readSchedulerConfig } from './create-scheduler.ts';
import { makeNoiseSchedule } from './noise-schedule.ts';
import { resolveSchedulerConfig } from './config.ts';
import { EulerScheduler } from './euler.ts';

// The real configs of the public SD1.4 and SDXL repositories (test/fixtures/upstream/README.md).
const UPSTREAM = fileURLToPath(new URL('../../../../../test/fixtures/upstream/', import.meta.url));
const SDXL_CONFIG = await readSchedulerConfig(`${UPSTREAM}sdxl-base/scheduler/scheduler_config.json`);
const SD15_CONFIG = await readSchedulerConfig(`${UPSTREAM}sd15-onnx-export/scheduler/scheduler_config.json`);
const SD = { beta_start: 0.00085, beta_end: 0.012, beta_schedule: 'scaled_linear', num_train_timesteps: 1000 } as const;

/*
 * Reference numbers marked [torch] were printed by a hand re-derivation of diffusers' formulas in
 * torch 1.13.1 / numpy (no diffusers on this machine): `/usr/bin/python3 tools/diffusers-schedulers/diffusers_rederived.py`.
 *   betas = torch.linspace(0.00085**0.5, 0.012**0.5, 1000, dtype=float32)**2; ac = torch.cumprod(1 - betas, 0)
 *   table = np.array(((1 - ac) / ac)**0.5); then each class's set_timesteps as written in diffusers.
 */
const close = (actual: number, expected: number, tol = 1e-6): void =>
  assert.ok(Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected)), `${actual} vs ${expected}`);

test('scaled_linear schedule: σ_min ≈ 0.0292, σ_max ≈ 14.6146 (diffusers scheduling_euler_discrete.py, scaled_linear betas)', () => {
  const { sigmas, alphasCumprod } = makeNoiseSchedule(resolveSchedulerConfig(SD, {}));
  close(sigmas[0]!, 0.0292, 2e-3);
  close(sigmas[999]!, 14.6146, 1e-5);
  close(alphasCumprod[0]!, 0.99915, 1e-5);
  close(alphasCumprod[999]!, 0.00466, 1e-3);
  assert.equal(sigmas[999], Math.fround(14.614645004272461)); // [torch] float32 bit-exact
});

test('Euler with the SDXL config (leading, steps_offset 1), 20 steps: 951, 901, …, 1', () => {
  const s = createScheduler('euler', SDXL_CONFIG);
  s.setTimesteps(20);
  assert.deepEqual(
    s.timesteps,
    Array.from({ length: 20 }, (_, i) => 951 - 50 * i),
  );
  const euler = s as EulerScheduler;
  assert.equal(euler.initNoiseSigma, Math.fround(11.073579788208008)); // [torch] sqrt(σ(951)² + 1); FACTS: ≈ 11.07
  const scaled = s.scaleModelInput(new Float32Array([11.073579788208008]), 0);
  close(scaled[0]!, 1, 1e-6);
});

test('trailing and linspace spacings', () => {
  const trailing = createScheduler('euler', { ...SD, timestep_spacing: 'trailing' });
  trailing.setTimesteps(20);
  assert.deepEqual(
    trailing.timesteps,
    Array.from({ length: 20 }, (_, i) => 999 - 50 * i),
  ); // FACTS: 999, 949, …, 49
  assert.equal(trailing.initNoiseSigma, Math.fround(14.614645004272461));
  const linspace = createScheduler('euler', { ...SD, timestep_spacing: 'linspace' });
  linspace.setTimesteps(7);
  assert.deepEqual(linspace.timesteps, [999, 832.5, 666, 499.5, 333, 166.5, 0]); // linspace(0, 999, 7) reversed
  // DDIM rounds; numpy rounds half to even (937.5 → 938 - 1 = 937, 812.5 → 812 - 1 = 811). [torch/numpy]
  const ddim16 = createScheduler('ddim', { ...SD, timestep_spacing: 'trailing' });
  ddim16.setTimesteps(16);
  assert.deepEqual(ddim16.timesteps, [999, 937, 874, 811, 749, 687, 624, 561, 499, 437, 374, 311, 249, 187, 124, 61]);
  // numpy's float arange quirk: diffusers' "trailing" really yields 62 timesteps for 61 steps. [numpy]
  const odd = createScheduler('ddim', { ...SD, timestep_spacing: 'trailing' });
  odd.setTimesteps(61);
  assert.equal(odd.timesteps.length, 62);
});

test('DDIM 50 steps with the SD config (leading + offset 1): 981, 961, …, 1', () => {
  const s = createScheduler('ddim', SD15_CONFIG);
  s.setTimesteps(50);
  assert.deepEqual(
    s.timesteps,
    Array.from({ length: 50 }, (_, i) => 981 - 20 * i),
  ); // ratio 1000 // 50 = 20
  assert.equal(s.initNoiseSigma, 1);
});

test('Euler with use_karras_sigmas: fractional timesteps from σ→t [torch]', () => {
  const s = createScheduler('euler', { ...SD, use_karras_sigmas: true });
  s.setTimesteps(10);
  /* eslint-disable no-loss-of-precision -- the values as the reference printed them */
  const expected = [
    999, 916.2839965820312, 815.044921875, 687.1532592773438, 523.1989135742188, 327.147216796875, 145.93902587890625, 40.85687255859375, 6.73240852355957, 0,
  ];
  /* eslint-enable no-loss-of-precision */
  s.timesteps.forEach((t, i) => close(t, expected[i]!, 1e-6));
  assert.equal(s.initNoiseSigma, Math.fround(14.614645004272461)); // first Karras σ = σ_max
});

test('DPM++ 2M Karras, 20 steps: σ from 14.6146 to 0.0292, rounded timesteps [torch]', () => {
  const s = createScheduler('dpmpp_2m_karras', SDXL_CONFIG);
  s.setTimesteps(20);
  assert.deepEqual(s.timesteps, [999, 962, 921, 876, 827, 772, 710, 640, 561, 474, 380, 285, 197, 123, 69, 35, 15, 6, 2, 0]);
  assert.equal(s.initNoiseSigma, 1);
});

test('DPM++ 2M uses n+1 spacing points [numpy]', () => {
  const leading = createScheduler('dpmpp_2m', SDXL_CONFIG);
  leading.setTimesteps(20);
  assert.deepEqual(
    leading.timesteps,
    Array.from({ length: 20 }, (_, i) => 941 - 47 * i),
  ); // 1000 // 21 = 47
  const linspace = createScheduler('dpmpp_2m', SD);
  linspace.setTimesteps(20);
  assert.deepEqual(linspace.timesteps.slice(0, 11), [999, 949, 899, 849, 799, 749, 699, 649, 599, 549, 500]);
  assert.equal(linspace.timesteps.at(-1), 50);
});

test('LCM, 4 steps with original_inference_steps 50: 999, 759, 499, 259', () => {
  const s = createScheduler('lcm', SD);
  s.setTimesteps(4);
  assert.deepEqual(s.timesteps, [999, 759, 499, 259]);
  s.setTimesteps(4, { denoise: 0.5 }); // origin steps 19..499 (25 of them), indices 0, 6, 12, 18
  assert.deepEqual(s.timesteps, [499, 379, 259, 139]);
  assert.throws(() => s.setTimesteps(60), /original_inference_steps/);
});

test('img2img denoise follows diffusers get_timesteps', () => {
  const s = createScheduler('euler', SDXL_CONFIG);
  s.setTimesteps(20, { denoise: 0.3 }); // init_timestep = int(20·0.3) = 6 → t_start 14
  assert.deepEqual(s.timesteps, [251, 201, 151, 101, 51, 1]);
  s.setTimesteps(10, { denoise: 0.05 }); // int(0.5) = 0: nothing to do
  assert.equal(s.timesteps.length, 0);
  assert.throws(() => s.setTimesteps(10, { denoise: 1.5 }), /denoise/);
});

test('config: class defaults fill missing keys like diffusers from_config; bad values are rejected', async () => {
  // The SD1.4 config has no timestep_spacing: Euler gets "linspace", DDIM "leading", DDIM clip_sample true.
  assert.equal(createScheduler('euler', SD15_CONFIG).config.timestepSpacing, 'linspace');
  const ddim = createScheduler('ddim', SD15_CONFIG).config;
  assert.equal(ddim.timestepSpacing, 'leading');
  assert.equal(ddim.clipSample, true);
  assert.equal(ddim.setAlphaToOne, false); // present in the file
  assert.equal(createScheduler('dpmpp_2m_karras', SDXL_CONFIG).config.useKarrasSigmas, true);
  assert.throws(() => createScheduler('euler', { beta_schedule: 'sigmoid' }), /beta_schedule/);
  assert.throws(() => createScheduler('nope' as 'euler'), /unknown scheduler/);
  const raw = JSON.parse(await readFile(`${UPSTREAM}sdxl-base/scheduler/scheduler_config.json`, 'utf8')) as unknown;
  assert.equal(createScheduler('euler', raw).config.stepsOffset, 1);
});

test('a missing scheduler config file is an error naming it, not a silent fall-back to class defaults', async () => {
  const missing = `${UPSTREAM}no-such-model/scheduler/scheduler_config.json`;
  await assert.rejects(readSchedulerConfig(missing), (err: LoomError) => err.code === 'MODEL_NOT_FOUND' && err.message.includes(missing));
});

test('a scheduler config that is not JSON is BAD_FILE, one with an unsupported value keeps UNSUPPORTED_MODEL; both name the file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'loom-scheduler-'));
  const garbled = join(dir, 'garbled.json');
  writeFileSync(garbled, '{"beta_schedule": ');
  await assert.rejects(
    readSchedulerConfig(garbled),
    (err: LoomError) => err.code === 'BAD_FILE' && err.message.startsWith(`Scheduler config ${garbled} is invalid: `),
  );
  const unsupported = join(dir, 'unsupported.json');
  writeFileSync(unsupported, '{"prediction_type": "sample_x"}');
  await assert.rejects(readSchedulerConfig(unsupported), (err: LoomError) => err.code === 'UNSUPPORTED_MODEL' && err.message.includes(unsupported));
});
