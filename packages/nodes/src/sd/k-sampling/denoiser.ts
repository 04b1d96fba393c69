/**
 * The denoiser every sampler calls: `(x, σ) → denoised estimate` with guidance already applied.
 * - {@link discreteDenoiser}: a UNet trained on the discrete table, as ComfyUI wraps it
 *   (model_base.py `BaseModel._apply_model`, model_sampling.py `EPS` / `V_PREDICTION`): input `x / sqrt(σ² + 1)`,
 *   timestep = nearest table index, output `x − σ·ε` or `x/(σ²+1) − σ·v/sqrt(σ²+1)`.
 * - {@link inpaintDenoiser}: comfy/samplers.py `KSamplerX0Inpaint`: where the noise mask is 0 the state is
 *   replaced by the original latent re-noised to σ, and the output there is the original latent.
 */
import { combine } from './tensor.ts';
import type { ModelSampling } from './model-sampling.ts';

export type Denoiser = (x: Float32Array, sigma: number) => Promise<Float32Array>;

/** The UNet (with CFG) on scaled input at an integer timestep; returns ε or v. */
export type ModelPrediction = (scaledInput: Float32Array, timestep: number) => Promise<Float32Array>;

/** The UNet's input scale at σ (model_sampling.py `EPS.calculate_input`). */
export const inputScale = (sigma: number): number => 1 / Math.sqrt(sigma * sigma + 1);

/** The denoised estimate from the model's output `out` on input `x` (`EPS` / `V_PREDICTION.calculate_denoised`). */
export function calculateDenoised(ms: ModelSampling, sigma: number, x: Float32Array, out: Float32Array): Float32Array {
  if (ms.prediction === 'epsilon') return combine([1, x], [-sigma, out]);
  return combine([1 / (sigma * sigma + 1), x], [-sigma * inputScale(sigma), out]);
}

export function discreteDenoiser(ms: ModelSampling, predict: ModelPrediction): Denoiser {
  return async (x, sigma) => {
    const cIn = inputScale(sigma);
    return calculateDenoised(
      ms,
      sigma,
      x,
      await predict(
        x.map((v) => v * cIn),
        ms.timestep(sigma),
      ),
    );
  };
}

/** KSamplerX0Inpaint; `mask` is 1 where the sampler repaints, already expanded to the latent's shape. */
export function inpaintDenoiser(model: Denoiser, latent: Float32Array, noise: Float32Array, mask: Float32Array): Denoiser {
  return async (x, sigma) => {
    const blended = x.map((v, i) => {
      const m = mask[i] as number;
      return v * m + ((latent[i] as number) + (noise[i] as number) * sigma) * (1 - m);
    });
    const out = await model(blended, sigma);
    return out.map((v, i) => v * (mask[i] as number) + (latent[i] as number) * (1 - (mask[i] as number)));
  };
}
