/**
 * ComfyUI's sampler names → our k-diffusion samplers. `ddim` is Euler (ComfyUI runs it as such), with its own
 * inpaint noise. The `_gpu` SDE variants differ in ComfyUI only in drawing torchsde's Brownian tree with the CUDA
 * generator; we always draw it as on the CPU (brownian-tree.ts), so they give ComfyUI-on-CPU's numbers.
 */
import { euler, eulerAncestral } from './euler.ts';
import { heun, dpm2, dpm2Ancestral } from './heun.ts';
import { lms } from './lms.ts';
import { dpmpp2sAncestral, dpmppSde } from './dpmpp-single.ts';
import { dpmpp2m, dpmpp2mSde, dpmpp3mSde } from './dpmpp-multi.ts';
import { lcm } from './lcm.ts';
import { uniPc, uniPcBh2 } from './uni-pc.ts';
import type { Sampler } from './types.ts';

export const K_SAMPLERS = {
  euler,
  euler_ancestral: eulerAncestral,
  heun,
  dpm_2: dpm2,
  dpm_2_ancestral: dpm2Ancestral,
  lms,
  dpmpp_2s_ancestral: dpmpp2sAncestral,
  dpmpp_sde: dpmppSde,
  dpmpp_sde_gpu: dpmppSde,
  dpmpp_2m: dpmpp2m,
  dpmpp_2m_sde: dpmpp2mSde,
  dpmpp_2m_sde_gpu: dpmpp2mSde,
  dpmpp_3m_sde: dpmpp3mSde,
  dpmpp_3m_sde_gpu: dpmpp3mSde,
  ddim: euler,
  uni_pc: uniPc,
  uni_pc_bh2: uniPcBh2,
  lcm,
} as const satisfies Record<string, Sampler>;

export type KSamplerName = keyof typeof K_SAMPLERS;
export const K_SAMPLER_NAMES = Object.keys(K_SAMPLERS) as [KSamplerName, ...KSamplerName[]];
export type { Sampler, SamplerRun } from './types.ts';
