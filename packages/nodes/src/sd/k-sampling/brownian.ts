/**
 * The noise of the SDE samplers (dpmpp_sde, dpmpp_2m_sde, dpmpp_3m_sde): increments of one Brownian path W over
 * σ, normalised, `(W(σ_next) − W(σ)) / sqrt|σ_next − σ|` (k-diffusion `BrownianTreeNoiseSampler`).
 *
 * ComfyUI draws W from torchsde's `BrownianTree` (numpy SeedSequence entropy, a dyadic interval tree with its own
 * generators). We do not reproduce torchsde's numbers; we build the same random object exactly: W(σ_min) = 0,
 * W(σ_max) ~ N(0, σ_max − σ_min), and each newly queried time drawn from the Brownian bridge between its known
 * neighbours (a free Brownian step outside them), one torch-exact `randn` per new point from a generator seeded
 * with the seed. So overlapping queries (dpmpp_sde's half step inside the full step) are consistent increments
 * of one path, as with torchsde, and a seed always gives the same picture; only the exact draws differ from ComfyUI.
 * Times within a relative 1e-5 of a known time are that time (σ and exp(log σ) round differently).
 */
import { TorchCpuGenerator } from '../rng/index.ts';
import type { NoiseSampler } from './noise.ts';

class BrownianPath {
  private readonly generator: TorchCpuGenerator;
  private readonly points: Array<{ t: number; w: Float32Array }> = [];

  constructor(private readonly shape: readonly number[], tLow: number, tHigh: number, seed: number | bigint) {
    this.generator = new TorchCpuGenerator(seed);
    const size = shape.reduce((a, b) => a * b, 1);
    this.points.push({ t: tLow, w: new Float32Array(size) });
    const scale = Math.sqrt(tHigh - tLow);
    this.points.push({ t: tHigh, w: this.generator.randn(shape).map((v) => v * scale) });
  }

  at(t: number): Float32Array {
    const known = this.points.find((p) => Math.abs(p.t - t) <= 1e-5 * Math.max(Math.abs(p.t), Math.abs(t)));
    if (known) return known.w;
    const below = this.points.filter((p) => p.t < t).reduce<{ t: number; w: Float32Array } | undefined>((a, p) => (!a || p.t > a.t ? p : a), undefined);
    const above = this.points.filter((p) => p.t > t).reduce<{ t: number; w: Float32Array } | undefined>((a, p) => (!a || p.t < a.t ? p : a), undefined);
    const z = this.generator.randn(this.shape);
    let w: Float32Array;
    if (below && above) {
      const { t: a, w: wa } = below;
      const { t: b, w: wb } = above;
      const slope = (t - a) / (b - a);
      const spread = Math.sqrt(((t - a) * (b - t)) / (b - a));
      w = wa.map((v, i) => v + slope * ((wb[i] as number) - v) + spread * (z[i] as number));
    } else {
      const edge = (below ?? above) as { t: number; w: Float32Array };
      const spread = Math.sqrt(Math.abs(t - edge.t));
      w = edge.w.map((v, i) => v + spread * (z[i] as number));
    }
    this.points.push({ t, w });
    return w;
  }
}

/** Brownian noise over the run's σ range [smallest σ > 0, largest σ]. */
export function brownianNoiseSampler(shape: readonly number[], sigmas: readonly number[], seed: number | bigint): NoiseSampler {
  const positive = sigmas.filter((s) => s > 0);
  const path = new BrownianPath(shape, Math.min(...positive), Math.max(...sigmas), seed);
  return (sigma, sigmaNext) => {
    const w0 = path.at(sigma);
    const w1 = path.at(sigmaNext);
    const scale = 1 / Math.sqrt(Math.abs(sigmaNext - sigma));
    return w1.map((v, i) => (v - (w0[i] as number)) * scale);
  };
}
