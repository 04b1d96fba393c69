/**
 * Scheduler config keys: the six that used to be ignored are implemented per diffusers; values Loom does
 * not implement and unknown keys are refused in one line naming the key and the scheduler; other classes' keys are dropped as `from_config` drops them.
 * Numbers marked [torch] come from `/usr/bin/python3 tools/diffusers-schedulers/config_keys_rederived.py`, a hand
 * re-derivation of the diffusers formulas in torch float32.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoomError } from '@loom/engine';
import { TorchCpuGenerator } from '../rng/torch-generator.ts';
import { createScheduler } from './create-scheduler.ts';
import { makeNoiseSchedule } from './noise-schedule.ts';
import { resolveSchedulerConfig } from './config.ts';
import { SCHEDULER_NAMES } from './scheduler.ts';
import { thresholdSample } from './thresholding.ts';

const SD = { beta_start: 0.00085, beta_end: 0.012, beta_schedule: 'scaled_linear', num_train_timesteps: 1000 } as const;
const f = Math.fround;
const close = (actual: number, expected: number, tol = 2e-6): void =>
  assert.ok(Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected)), `${actual} vs ${expected}`);
const sigmasOf = (s: { initNoiseSigma: number }): number[] => (s as unknown as { sigmas: number[] }).sigmas;

test('rescale_betas_zero_snr: ᾱ reaches exactly 0 (DDIM), Euler keeps σ_max finite at 2⁻²⁴ [torch]', () => {
  const ddim = makeNoiseSchedule(resolveSchedulerConfig({ ...SD, rescale_betas_zero_snr: true }, {}));
  [0.999149978, 0.998233497, 0.241018593, 1.96789003e-7, 0].forEach((v, k) => close(ddim.alphasCumprod[[0, 1, 500, 998, 999][k]!]!, v, 1e-6));
  assert.equal(ddim.alphasCumprod[999], 0);
  const euler = createScheduler('euler', { ...SD, rescale_betas_zero_snr: true, timestep_spacing: 'trailing' });
  euler.setTimesteps(10);
  assert.deepEqual(euler.timesteps, [999, 899, 799, 699, 599, 499, 399, 299, 199, 99]);
  const expected = [4095.99976, 18.130064, 7.41070843, 4.11418676, 2.60485673, 1.76808119, 1.24137521, 0.874743819, 0.594752073, 0.354989529, 0];
  sigmasOf(euler).forEach((s, i) => close(s, expected[i]!));
  close(euler.initNoiseSigma, 4095.99976);
  const plain = createScheduler('euler', { ...SD, timestep_spacing: 'trailing' });
  plain.setTimesteps(10);
  close(plain.initNoiseSigma, 14.614645, 1e-6); // the key changes the schedule
  for (const name of SCHEDULER_NAMES) assert.equal(createScheduler(name, { ...SD, rescale_betas_zero_snr: true }).config.rescaleBetasZeroSnr, true, name);
});

test("sigma_min / sigma_max bound Euler's Karras sigmas [torch]", () => {
  const s = createScheduler('euler', { ...SD, use_karras_sigmas: true, sigma_min: 0.1, sigma_max: 10 });
  s.setTimesteps(8);
  /* eslint-disable no-loss-of-precision -- the values as the reference printed them */
  const t = [
    933.5067138671875, 836.6570434570312, 715.10302734375, 559.2582397460938, 368.06805419921875, 178.42010498046875, 55.531585693359375, 10.38216781616211,
  ];
  /* eslint-enable no-loss-of-precision */
  s.timesteps.forEach((v, i) => close(v, t[i]!, 1e-5));
  const expected = [10, 6.06861687, 3.54409552, 1.9791038, 1.04819596, 0.520989001, 0.239603683, 0.100000001, 0];
  sigmasOf(s).forEach((v, i) => close(v, expected[i]!));
});

test('use_lu_lambdas: DPM++ with log σ evenly spaced [torch]', () => {
  const s = createScheduler('dpmpp_2m', { ...SD, use_lu_lambdas: true });
  s.setTimesteps(10);
  assert.deepEqual(s.timesteps, [999, 875, 724, 538, 330, 153, 52, 14, 3, 0]);
  const expected = [14.6146431, 7.32488155, 3.671242, 1.8400321, 0.922226906, 0.462221533, 0.231666148, 0.116111428, 0.0581952259, 0.0291675366, 0];
  (s as unknown as { sigmas: number[] }).sigmas.forEach((v, i) => close(v, expected[i]!));
});

test('solver_order 1: every DPM++ step is first order [torch loop]', () => {
  const expected = [
    -4.53508282, -3.17517185, -6.73253345, -4.07348204, -2.22513533, -5.18972015, 0.752196133, -9.27054405, -4.45731401, -5.24951982, -3.52215338, -4.9896574,
    -1.45156598, -3.65972781, -2.50817537, -2.99931431,
  ];
  const s = createScheduler('dpmpp_2m', { ...SD, timestep_spacing: 'linspace', solver_order: 1 });
  s.setTimesteps(8);
  let x: Float32Array = new TorchCpuGenerator(3).randn(16);
  s.timesteps.forEach((t, i) => {
    x = s.step(
      x.map((v) => f(0.5 * v) + f(0.001 * t)),
      i,
      x,
    ).prevSample;
  });
  x.forEach((v, i) => close(v, expected[i]!, 4e-6));
});

for (const [steps, expected] of [
  [
    16,
    [
      -3.5200994, -2.32726002, -5.44758558, -3.11520743, -1.4939394, -4.09431124, 1.11761379, -7.67378664, -3.45188451, -4.14676619, -2.63161206, -3.91882777,
      -0.815406501, -2.75228524, -1.74220669, -2.1730063,
    ],
  ],
  [
    10,
    [
      -3.64513874, -2.43559766, -5.59960985, -3.23457837, -1.5906105, -4.22739077, 1.05750787, -7.85698366, -3.57596946, -4.28057909, -2.74421287, -4.04944897,
      -0.902577162, -2.86657453, -1.8423537, -2.27918506,
    ],
  ],
] as const) {
  test(`solver_order 3 (DPM++ 3M), ${steps} steps: third order once two x0 are known [torch loop]`, () => {
    const s = createScheduler('dpmpp_2m', { ...SD, timestep_spacing: 'linspace', solver_order: 3 });
    s.setTimesteps(steps);
    let x: Float32Array = new TorchCpuGenerator(3).randn(16);
    s.timesteps.forEach((t, i) => {
      x = s.step(
        x.map((v) => f(0.5 * v) + f(0.001 * t)),
        i,
        x,
      ).prevSample;
    });
    x.forEach((v, i) => close(v, expected[i]!, 4e-6));
  });
}

for (const [order, steps, expected] of [
  [
    2,
    8,
    [
      -3.20145011, -0.976100147, -3.67061996, -4.15863562, 0.0472492054, -2.37124681, -2.20346856, -4.27378845, -1.54901373, -0.792862117, -1.90150452,
      -2.90556097, -2.6753273, -1.51041842, -0.864508152, -2.59175301,
    ],
  ],
  [
    3,
    16,
    [
      -3.9370265, -1.53645289, -2.35162687, -2.96185231, 3.64277983, -3.32750177, -2.2632637, -2.76387286, -2.15596962, -1.36149752, -2.98605037, -3.1511445,
      -1.39591694, -0.414818466, -1.87236071, -0.632035136,
    ],
  ],
] as const) {
  test(`algorithm_type sde-dpmsolver++, order ${order}, ${steps} steps: noise from the run's generator every step [torch loop]`, () => {
    const s = createScheduler('dpmpp_2m', { ...SD, timestep_spacing: 'linspace', algorithm_type: 'sde-dpmsolver++', solver_order: order });
    s.setTimesteps(steps);
    const rng = new TorchCpuGenerator(3);
    let x: Float32Array = rng.randn(16);
    s.timesteps.forEach((t, i) => {
      x = s.step(
        x.map((v) => f(0.5 * v) + f(0.001 * t)),
        i,
        x,
        rng,
      ).prevSample;
    });
    x.forEach((v, i) => close(v, expected[i]!, 4e-6));
    const noRng = createScheduler('dpmpp_2m', { ...SD, algorithm_type: 'sde-dpmsolver++' });
    noRng.setTimesteps(4);
    assert.throws(() => noRng.step(x, 0, x), /needs a noise source/);
  });
}

const THRESHOLD = { thresholding: true, dynamic_thresholding_ratio: 0.9, sample_max_value: 3 } as const;

test('thresholding: per image, s = the 0.9-quantile of |x0| within [1, sample_max_value] [torch]', () => {
  const probe = new Float32Array([0.5, -3, 1.5, 2.5, -0.25, 1.25, -1.75, 0.75, 0.1, 0.2, -0.3, 0.4, 0.5, -0.6, 0.7, 0.8]);
  const expected = [
    0.188679248, -1.0, 0.566037774, 0.94339627, -0.094339624, 0.471698135, -0.660377383, 0.283018887, 0.100000001, 0.200000003, -0.300000012, 0.400000006, 0.5,
    -0.600000024, 0.699999988, 0.800000012,
  ];
  thresholdSample(probe, 2, 0.9, 3).forEach((v, i) => close(v, expected[i]!));
});

const LOOPS = [
  {
    name: 'ddim',
    config: { timestep_spacing: 'leading', steps_offset: 1, set_alpha_to_one: false },
    steps: 6,
    expected: [
      0.154286191, 0.547703743, -0.35836044, 0.261973917, 0.923711717, 0.00156480342, 1.01471305, -0.71487838, -0.0235032104, -0.3149966, 0.351788461,
      -0.219379589, 1.01470339, 0.269970149, 0.984750032, 0.678164124,
    ],
  },
  {
    name: 'dpmpp_2m',
    config: { timestep_spacing: 'linspace' },
    steps: 8,
    expected: [
      -0.172955051, 0.132189572, -0.60150224, -0.0761065558, 0.381958544, -0.308232903, 0.988461018, -1.0, -0.441764921, -0.865151882, 0.0952832624,
      -0.731087744, 1.0, 0.0134762228, 0.756695867, 0.424795568,
    ],
  },
] as const;

for (const { name, config, steps, expected } of LOOPS) {
  test(`thresholding: a ${name} loop over a batch of two images [torch loop]`, () => {
    const s = createScheduler(name, { ...SD, ...config, ...THRESHOLD });
    s.setTimesteps(steps, { batch: 2 });
    let x: Float32Array = new TorchCpuGenerator(3).randn(16).map((v) => f(v * 3));
    s.timesteps.forEach((t, i) => {
      x = s.step(
        x.map((v) => f(0.5 * v) + f(0.001 * t)),
        i,
        x,
      ).prevSample;
    });
    x.forEach((v, i) => close(v, expected[i]!, 4e-6));
  });
}

const refused = (name: (typeof SCHEDULER_NAMES)[number], config: object, pattern: RegExp): void => {
  assert.throws(
    () => createScheduler(name, { ...SD, ...config }),
    (err: unknown) => err instanceof LoomError && err.code === 'UNSUPPORTED_MODEL' && !err.message.includes('\n') && pattern.test(err.message),
  );
};

test('values Loom does not implement are refused in one line naming the key and the scheduler', () => {
  refused(
    'dpmpp_2m',
    { solver_order: 4 },
    /^Scheduler config key solver_order: 4 is not supported by the dpmpp_2m scheduler \(DPM-Solver has orders 1, 2 and 3\); remove the key or set it to 1\.$/,
  );
  refused('dpmpp_2m_karras', { algorithm_type: 'dpmsolver' }, /algorithm_type: "dpmsolver" is not supported by the dpmpp_2m_karras scheduler/);
  refused('dpmpp_2m', { euler_at_final: true }, /euler_at_final: true is not supported by the dpmpp_2m scheduler/);
  refused('euler', { timestep_type: 'continuous' }, /timestep_type: "continuous" .* euler scheduler/);
  refused('euler', { beta_schedule: 'sigmoid' }, /^Scheduler config key beta_schedule: "sigmoid" is not supported by the euler scheduler \(/);
  refused('euler', { beta_shedule: 'linear' }, /^Scheduler config key "beta_shedule" is unknown to the euler scheduler/);
});

test("no-op values, metadata and other classes' keys are accepted; _use_default_values is applied", () => {
  const dpmFile = {
    ...SD,
    _class_name: 'DPMSolverMultistepScheduler',
    _diffusers_version: '0.30.0',
    solver_order: 2,
    algorithm_type: 'dpmsolver++',
    solver_type: 'midpoint',
    thresholding: false,
    dynamic_thresholding_ratio: 0.995,
    sample_max_value: 1,
    euler_at_final: false,
    use_lu_lambdas: false,
    variance_type: null,
    lambda_min_clipped: null,
  };
  for (const name of SCHEDULER_NAMES) assert.doesNotThrow(() => createScheduler(name, dpmFile), name);
  // An Euler config with PNDM and DDIM leftovers (the SDXL base file's shape); thresholding on is DDIM's, dropped by Euler.
  assert.doesNotThrow(() =>
    createScheduler('euler', {
      ...SD,
      skip_prk_steps: true,
      clip_sample: false,
      set_alpha_to_one: false,
      sample_max_value: 1,
      thresholding: true,
      interpolation_type: 'linear',
      sigma_min: null,
    }),
  );
  // Keys diffusers recorded as defaults are dropped: the class default applies (DDIM: leading spacing).
  const ddim = createScheduler('ddim', { ...SD, timestep_spacing: 'linspace', _use_default_values: ['timestep_spacing'] });
  assert.equal(ddim.config.timestepSpacing, 'leading');
});
