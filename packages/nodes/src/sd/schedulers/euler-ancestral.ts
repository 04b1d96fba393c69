/**
 * Euler ancestral (diffusers `EulerAncestralDiscreteScheduler`, `scheduling_euler_ancestral_discrete.py`
 * l.432-462; k-diffusion `sample_euler_ancestral` / `get_ancestral_step`): the Euler step goes down to
 * `σ_down` and fresh noise of size `σ_up` is added, with `σ_up = sqrt(σ_next²(σ²-σ_next²)/σ²)` and
 * `σ_down = sqrt(σ_next² - σ_up²)`. Same sigmas and input scaling as Euler; this class has no Karras option
 * in diffusers. Noise is drawn every step (also the last, where σ_up = 0) so the generator stream advances
 * exactly as in diffusers.
 */
import { LoomError } from '@loom/engine';
import type { ResolvedSchedulerConfig, SchedulerConfigFile } from './config.ts';
import { EulerScheduler } from './euler.ts';
import type { NoiseSource, SchedulerName, StepOutput } from './scheduler.ts';

const f = Math.fround;

/** EulerAncestralDiscrete. */
export class EulerAncestralScheduler extends EulerScheduler {
  override readonly name: SchedulerName = 'euler_ancestral';

  constructor(file: SchedulerConfigFile, overrides: Partial<ResolvedSchedulerConfig> = {}) {
    super(file, { ...overrides, useKarrasSigmas: false, finalSigmasType: 'zero' });
  }

  override step(modelOutput: Float32Array, i: number, sample: Float32Array, rng?: NoiseSource): StepOutput {
    if (!rng) throw new LoomError('NODE_FAILED', 'euler_ancestral needs a noise source (the seeded generator) for every step');
    const x0 = this.predictOriginal(modelOutput, i, sample);
    const from = this.sigmaAt(i);
    const to = this.sigmaAt(i + 1);
    const to2 = f(to * to);
    const from2 = f(from * from);
    const up = f(Math.sqrt(f(f(to2 * f(from2 - to2)) / from2)));
    const down = f(Math.sqrt(f(to2 - f(up * up))));
    const dt = f(down - from);
    const noise = rng.randnLike(sample);
    return { prevSample: sample.map((x, k) => f(x + f(f(f(x - x0[k]!) / from) * dt)) + f(noise[k]! * up)), predOriginalSample: x0 };
  }
}
