/** Shared types of the LoRA library. */

/** The pipeline component a LoRA module belongs to (diffusers' state-dict prefixes). */
export type LoraComponent = 'unet' | 'text_encoder' | 'text_encoder_2';

/** Key layouts, sniffed in the order diffusers' `convert_state_dict_to_diffusers` uses (diffusers `state_dict_utils.py`). */
export type LoraFormat =
  /** `…attn1.processor.to_q_lora.down.weight` (diffusers ≤ 0.23 `save_attn_procs`). */
  | 'diffusers-attnproc'
  /** `…to_q.lora_A.weight` / `lora_B` (raw PEFT, diffusers Dec 2023). */
  | 'peft'
  /** `…to_q.lora.down.weight` / `…lora_linear_layer.down.weight` (diffusers ≥ 0.25). */
  | 'diffusers'
  /** `lora_unet_….lora_down.weight` + `.alpha` (kohya sd-scripts, A1111). */
  | 'kohya';

/** One adapted module, named the diffusers way, with the tensor keys that hold its factors. */
export interface LoraModuleKeys {
  readonly component: LoraComponent;
  /** Diffusers module path, e.g. `down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q`. */
  readonly module: string;
  /** `[rank, in]` (Conv: `[rank, in, kh, kw]`). */
  readonly down: string;
  /** `[out, rank]` (Conv: `[out, rank, 1, 1]`). */
  readonly up: string;
  /** Scalar; when present the delta is scaled by alpha / rank (kohya `LoRAModule.scale`). */
  readonly alpha?: string;
}

/** A module whose keys name a LoRA variant this library does not merge (reported by name). */
export interface UnsupportedModule {
  readonly stem: string;
  /** e.g. `LoHa (hada_*)`. */
  readonly kind: string;
  readonly keys: readonly string[];
}

/** Known module paths of one component, for resolving kohya's `_`-joined names. */
export type ModuleSets = Partial<Record<LoraComponent, ReadonlySet<string>>>;
