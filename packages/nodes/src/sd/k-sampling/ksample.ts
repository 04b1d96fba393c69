/**
 * One KSampler / KSamplerAdvanced run as ComfyUI does it (comfy/sample.py `sample`, comfy/samplers.py `KSampler`,
 * `KSAMPLER.sample`, `CFGGuider`, nodes.py `common_ksampler`):
 * 1. noise from the seed ({@link prepareNoise}), or zeros when `addNoise` is off;
 * 2. the σ list ({@link ksamplerSigmas}); nothing to sample returns the latent unchanged;
 * 3. the start state `latent + noise·σ₀`, or `latent + noise·sqrt(1 + σ₀²)` when σ₀ is the table's σ_max
 *    (`max_denoise`: a full txt2img start);
 * 4. with a noise mask, the denoiser is wrapped by KSamplerX0Inpaint; `ddim` re-noises the kept area with
 *    its own noise (seed + 1), as ComfyUI's ddim sampler does;
 * 5. the sampler integrates; the result is the new latent.
 */
import { prepareNoise } from './noise.ts';
import { ksamplerSigmas, type StepRange } from './sigmas.ts';
import { inpaintDenoiser, type Denoiser } from './denoiser.ts';
import { K_SAMPLERS, type KSamplerName } from './samplers/index.ts';
import type { SchedulerName } from './schedulers.ts';
import type { ModelSampling } from './model-sampling.ts';
import { TorchCpuGenerator } from '../rng/index.ts';
import { expandMask, type SamplerMask } from './mask.ts';

export interface KSampleOptions extends StepRange {
  sampler: KSamplerName;
  scheduler: SchedulerName;
  steps: number;
  denoise?: number;
  seed: number | bigint;
  /** KSamplerAdvanced add_noise; default true. */
  addNoise?: boolean;
  /** The latent's `batch_index` (which noise draw each image takes). */
  batchIndex?: readonly number[];
  /** 1 = repaint, 0 = keep (a LATENT's `noiseMask`, or any mask ComfyUI's sampler takes). */
  noiseMask?: SamplerMask;
  onStep?: (step: number, total: number, denoised: Float32Array) => void | Promise<void>;
}

export async function kSample(ms: ModelSampling, model: Denoiser, latent: Float32Array, shape: readonly number[], o: KSampleOptions): Promise<Float32Array> {
  const noise = o.addNoise === false ? new Float32Array(latent.length) : prepareNoise(shape, o.seed, o.batchIndex);
  const sigmas = ksamplerSigmas(ms, o.scheduler, o.sampler, o.steps, o.denoise ?? 1, o);
  if (!sigmas || sigmas.length === 0) return latent;
  const sigma0 = sigmas[0] as number;
  const maxDenoise = Math.abs(ms.sigmaMax - sigma0) <= 1e-5 * Math.max(ms.sigmaMax, sigma0) || sigma0 > ms.sigmaMax;
  const scale = maxDenoise ? Math.sqrt(1 + sigma0 * sigma0) : sigma0;
  const x = latent.map((v, i) => (noise[i] as number) * scale + v);
  let denoiser = model;
  if (o.noiseMask) {
    const inpaintNoise = o.sampler === 'ddim' ? new TorchCpuGenerator(BigInt(o.seed) + 1n).randn(shape) : noise;
    denoiser = inpaintDenoiser(model, latent, inpaintNoise, expandMask(o.noiseMask, shape));
  }
  const total = sigmas.length - 1;
  return K_SAMPLERS[o.sampler](denoiser, x, sigmas, {
    shape,
    seed: o.seed,
    onStep: (step, denoised) => o.onStep?.(step, total, denoised),
  });
}
