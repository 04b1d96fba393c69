/**
 * ComfyUI's noise streams, on our torch-exact CPU generator ({@link TorchCpuGenerator}):
 * - initial noise (comfy/sample.py `prepare_noise`): `torch.manual_seed(seed)` then one `torch.randn` of the
 *   whole latent batch; with a `batch_index` (LatentFromBatch / RepeatLatentBatch), one [1, …] draw per index
 *   0…max in order, each latent taking the draw of its own index — so image k of a batch is reproducible alone;
 * - ancestral / LCM noise (k-diffusion `default_noise_sampler` as ComfyUI seeds it): a second generator seeded
 *   with the same seed, one `randn` of the whole batch per call. Its first draw therefore equals the initial
 *   noise, as in ComfyUI.
 */
import { TorchCpuGenerator } from '../rng/index.ts';

/** Noise for the step σ → σ_next, shaped like the latent batch. */
export type NoiseSampler = (sigma: number, sigmaNext: number) => Float32Array;

export function prepareNoise(shape: readonly number[], seed: number | bigint, batchIndex?: readonly number[]): Float32Array {
  const generator = new TorchCpuGenerator(seed);
  if (!batchIndex) return generator.randn(shape);
  const perImage = shape.slice(1).reduce((a, b) => a * b, 1);
  const draws = new Map<number, Float32Array>();
  const last = Math.max(...batchIndex);
  for (let i = 0; i <= last; i++) {
    const noise = generator.randn([1, ...shape.slice(1)]);
    if (batchIndex.includes(i)) draws.set(i, noise);
  }
  const out = new Float32Array(perImage * batchIndex.length);
  batchIndex.forEach((index, b) => out.set(draws.get(index) as Float32Array, b * perImage));
  return out;
}

export function defaultNoiseSampler(shape: readonly number[], seed: number | bigint): NoiseSampler {
  const generator = new TorchCpuGenerator(seed);
  return () => generator.randn(shape);
}
