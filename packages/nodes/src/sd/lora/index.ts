/**
 * LoRA library: read any common LoRA file, map it onto the weights of an ONNX Stable Diffusion
 * export, apply it exactly, and switch LoRA / strength without reloading the model.
 *
 * Pipeline: safetensors header → key normalisation (`keys.ts`: diffusers attn-procs, PEFT, diffusers,
 * kohya with diffusers or LDM block names; LyCORIS detected by name) → ONNX module index
 * (`map-onnx.ts`: named Conv/Gemm weights, anonymous transposed `onnx::MatMul_*` through scoped node
 * names) → per adapted weight, the factors and `strength · scale` of every LoRA on it
 * (`LoraPatcher.contributions`, arithmetic in `merge.ts`) → one long-lived session whose adapted
 * layers carry low-rank branches fed with those factors (`LoraBranchSession`). The exact merge
 * `W' = W + Σ strength·scale·(up @ down)` and the other measured techniques live in bench/lora
 * (`LoraMerger`, `LoraSwitcher`), which the benchmark and the torch-reference tests use.
 *
 * Switching technique, chosen by measurement (bench/lora/lora-bench.ts → bench/results/lora.json;
 * SD1.5-size random UNet, 859 M params, rank-16 attention LoRA touching 128 weights, batch 1 at
 * 32² latent; three runs on a shared 2-core machine, so ranges):
 *
 * | technique                                   | LoRA switch            | strength change | step vs merged |
 * |---------------------------------------------|------------------------|-----------------|----------------|
 * | cold load of the base UNet                  | 33–57 s                |                 |                |
 * | recreate: `LoraMerger.patch` + new session  | 40–115 s (0.9–2.5× cold) | same          | 1×             |
 * | `LoraSwitcher`: weights as graph inputs     | 0.32–1.6 s (0.7–3.5 %) | 0.22–5.3 s      | 1.04× (alternating runs) |
 * | `LoraBranchSession`: low-rank branches      | 0.10–0.47 s (0.2–1.0 %) | 14–63 ms (≤ 0.1 %) | 1.04–1.09× (alternating runs) |
 *
 * Chosen: `LoraBranchSession` — both long-lived-session techniques meet "a switch ≤ 10 % of a cold
 * load" with the same step cost, but branches switch 3–10× faster, keep the base weights constant
 * (prepacked by onnxruntime) and copy no weights into JS (the switcher would feed 3.6 GB per run
 * for an SDXL fp32 UNet). Use a plain base session for bit-exact strength-0 outputs, and
 * bench/lora's `LoraMerger.patch` for a one-off exact merge. Rejected: onnxruntime-node 1.30 drops feeds for
 * "overridable initializers" (initializer also listed as input; measured), and `externalData`
 * overrides need a new session per switch like recreate. The merge itself runs as an ORT Gemm
 * (bench/lora/merge-kernel.ts): JS loops took 4.4–5.6 s for SD1.5 rank 16, 11–14 % of a cold load.
 */
export { LoraPatcher, type LoraSpec, type PatcherOptions, type TargetContribution } from './lora-patcher.ts';
export { LoraBranchSession } from './lora-branch-session.ts';
export { mergeSessionOptions } from './session-options.ts';
export { normalizeLoraKeys, type NormalizedKeys } from './keys.ts';
export { buildModuleIndex, type ModuleIndex, type WeightTarget, type WeightLayout } from './map-onnx.ts';
export type { LoraReport, LoraFileReport } from './report.ts';
export type { LoraComponent, LoraFormat, LoraModuleKeys, UnsupportedModule } from './types.ts';
