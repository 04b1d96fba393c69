/**
 * LoRA library: read any common LoRA file, map it onto the weights of an ONNX Stable Diffusion
 * export, merge exactly, and switch LoRA / strength without reloading the model.
 *
 * Pipeline: safetensors header → key normalisation (`keys.ts`: diffusers attn-procs, PEFT, diffusers,
 * kohya with diffusers or LDM block names; LyCORIS detected by name) → ONNX module index
 * (`map-onnx.ts`: named Conv/Gemm weights, anonymous transposed `onnx::MatMul_*` through scoped node
 * names) → merge `W' = W + Σ strength·scale·(up @ down)` (`merge.ts`, computed by an ORT Gemm in
 * `merge-kernel.ts`) → either a re-encoded model with the touched initializers inlined
 * (`LoraPatcher.patch`) or one long-lived session fed with patched weights (`LoraSwitcher`).
 *
 * Switching technique, chosen by measurement (bench/lora/lora-bench.ts → bench/results/lora.json):
 * `LoraSwitcher` — the touched initializers become graph inputs of one session, and a switch only
 * recomputes the merged weights and swaps the feeds. Re-creating a session per switch costs a full
 * cold load; onnxruntime-node ignores feeds for "overridable" initializers; `externalData`
 * overrides also need a new session. The measured figures are in bench/results/lora.json.
 */
export { LoraPatcher, type LoraSpec, type PatchedWeights, type PatcherOptions, type TargetContribution } from './lora-patcher.ts';
export { LoraSwitcher } from './lora-switcher.ts';
export { LoraBranchSession } from './lora-branch-session.ts';
export { normalizeLoraKeys, type NormalizedKeys } from './keys.ts';
export { buildModuleIndex, type ModuleIndex, type WeightTarget, type WeightLayout } from './map-onnx.ts';
export type { LoraReport, LoraFileReport } from './report.ts';
export type { LoraComponent, LoraFormat, LoraModuleKeys, UnsupportedModule } from './types.ts';
