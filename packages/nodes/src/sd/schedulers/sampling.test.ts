import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TorchCpuGenerator } from '../rng/torch-generator.ts';
import { createScheduler } from './create-scheduler.ts';
import type { SchedulerName } from './scheduler.ts';

const SD = { beta_start: 0.00085, beta_end: 0.012, beta_schedule: 'scaled_linear' } as const;
const f = Math.fround;

/*
 * Full sampling loops on a toy "model" ε(x, t) = 0.5·x + 0.001·t over a 16-value latent drawn from
 * torch.randn(16, generator=Generator().manual_seed(3)), compared with a hand re-derivation of each
 * diffusers `step` in torch 1.13.1 float32 (`/usr/bin/python3 tools/diffusers-schedulers/diffusers_rederived.py`; the per-class formulas
 * as in scheduling_euler_discrete.py, scheduling_euler_ancestral_discrete.py, scheduling_ddim.py,
 * scheduling_dpmsolver_multistep.py, scheduling_lcm.py, with the generator passed through for the noise).
 * The values are the final latents printed with '%.9g'.
 */
const LOOPS: Array<{ name: SchedulerName; config: object; steps: number; expected: number[] }> = [
  {
    name: 'euler',
    config: { ...SD, timestep_spacing: 'linspace' },
    steps: 6,
    expected: [
      -5.28399849, -3.80306292, -7.67701006, -4.78131819, -2.76847792, -5.99689579, 0.473819852, -10.4408894, -5.19930983, -6.06201696, -4.18092489,
      -5.77902842, -1.92606592, -4.33074141, -3.0767076, -3.61155486,
    ],
  },
  {
    name: 'euler_ancestral',
    config: { ...SD, timestep_spacing: 'linspace' },
    steps: 6,
    expected: [
      -5.23877764, -2.3980813, -6.94666386, -6.2609992, -2.70772982, -5.49040747, -1.55742908, -7.83113766, -3.77532792, -3.59268165, -3.62465453, -5.65253353,
      -3.49229527, -4.47259665, -0.464478672, -3.58495069,
    ],
  },
  {
    name: 'ddim',
    config: { ...SD, timestep_spacing: 'leading', steps_offset: 1, set_alpha_to_one: false, clip_sample: false },
    steps: 6,
    expected: [
      -2.10823298, -1.26362181, -3.47302294, -1.82154274, -0.673574567, -2.51481462, 1.17558324, -5.0493269, -2.05993271, -2.55195498, -1.47912478, -2.3905592,
      -0.193127036, -1.56456912, -0.849364281, -1.15439951,
    ],
  },
  {
    name: 'dpmpp_2m',
    config: { ...SD, timestep_spacing: 'linspace' },
    steps: 8,
    expected: [
      -3.611835, -2.41219449, -5.55030775, -3.20463467, -1.57412326, -4.18932009, 1.05231857, -7.78920221, -3.54323149, -4.24207258, -2.71828246, -4.0128355,
      -0.891722441, -2.83964348, -1.82380581, -2.25706244,
    ],
  },
  {
    name: 'dpmpp_2m_karras',
    config: SD,
    steps: 8,
    expected: [
      -2.73623776, -1.67783237, -4.44649458, -2.37697864, -0.938427269, -3.24573708, 1.37880206, -6.4218049, -2.67571163, -3.2922771, -1.94788516, -3.09002995,
      -0.336366117, -2.05495739, -1.15871513, -1.54096377,
    ],
  },
  {
    name: 'lcm',
    config: SD,
    steps: 4,
    expected: [
      -5.55286551, -2.80799747, -7.20180273, -6.32841587, -2.81798911, -6.32753611, -1.85828018, -8.22232056, -4.39118767, -4.14749479, -3.83265328,
      -5.65932512, -3.89002538, -4.62903643, -0.951403916, -3.37570667,
    ],
  },
];

const toyModel = (x: Float32Array, t: number): Float32Array => x.map((v) => f(0.5 * v) + f(0.001 * t));

for (const { name, config, steps, expected } of LOOPS) {
  test(`${name}: a full loop matches diffusers' float32 math`, () => {
    const s = createScheduler(name, config);
    s.setTimesteps(steps);
    const rng = new TorchCpuGenerator(3);
    const sigma = f(s.initNoiseSigma);
    let x: Float32Array = rng.randn(16).map((v) => v * sigma);
    s.timesteps.forEach((t, i) => {
      x = s.step(toyModel(s.scaleModelInput(x, i), t), i, x, rng).prevSample;
    });
    // float32 op order mirrors torch; allow a couple of ulps for libm differences (exp/log/pow).
    x.forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) <= 4e-6 * Math.max(1, Math.abs(expected[i]!)), `[${i}] ${v} vs ${expected[i]}`));
  });
}

// Property: a model that returns exactly the noise that was added makes every deterministic sampler land on x0.
for (const name of ['euler', 'ddim', 'dpmpp_2m', 'dpmpp_2m_karras'] as const) {
  test(`${name}: an oracle noise predictor reconstructs x0`, () => {
    const s = createScheduler(name, { ...SD, timestep_spacing: 'leading', steps_offset: 1, clip_sample: false });
    s.setTimesteps(25);
    const x0 = new Float32Array(64).map((_, i) => Math.sin(i) * 0.8);
    const noise = new TorchCpuGenerator(11).randn(64);
    let x: Float32Array = s.addNoise(x0, noise, 0);
    s.timesteps.forEach((_, i) => {
      x = s.step(noise, i, x).prevSample;
    });
    x.forEach((v, i) => assert.ok(Math.abs(v - x0[i]!) < 2e-4, `[${i}] ${v} vs ${x0[i]}`));
  });
}

test('Euler: x_T = x0 + σ_max·ε with the true ε comes back to x0 in one or many steps', () => {
  const s = createScheduler('euler', { ...SD, timestep_spacing: 'trailing' });
  for (const steps of [1, 10]) {
    s.setTimesteps(steps);
    const x0 = new Float32Array([0.5, -1, 0.25, 2]);
    const eps = new Float32Array([1, -0.5, 0.3, -2]);
    let x: Float32Array = x0.map((v, i) => v + eps[i]! * s.initNoiseSigma);
    s.timesteps.forEach((_, i) => {
      const { prevSample, predOriginalSample } = s.step(eps, i, x);
      assert.deepEqual(
        [...predOriginalSample].map((v) => v.toFixed(4)),
        [...x0].map((v) => v.toFixed(4)),
      );
      x = prevSample;
    });
    x.forEach((v, i) => assert.ok(Math.abs(v - x0[i]!) < 1e-5));
  }
});

test('DPM++ steps must run in order; ancestral and LCM steps need the noise source', () => {
  const dpm = createScheduler('dpmpp_2m', SD);
  dpm.setTimesteps(5);
  const x = new Float32Array(4);
  assert.throws(() => dpm.step(x, 1, x), /in order/);
  const ea = createScheduler('euler_ancestral', SD);
  ea.setTimesteps(5);
  assert.throws(() => ea.step(x, 0, x), /noise source/);
  assert.throws(() => ea.step(new Float32Array(3), 0, x, new TorchCpuGenerator(0)), /3 vs 4/);
});
