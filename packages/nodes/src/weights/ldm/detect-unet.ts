/**
 * Reads an LDM UNet's architecture from its tensor names and shapes, as ComfyUI's
 * `comfy/model_detection.py` detect_unet_config does: model channels from conv_in, per level the
 * channel multiplier (each ResBlock's output width), whether it has a SpatialTransformer and how many
 * transformer blocks deep, linear vs 1×1-conv proj_in, cross-attention width from attn2.to_k, and
 * `label_emb` (SDXL's added embeddings). Head counts are not in the shapes: they come from
 * {@link UnetHints} (the .yaml) or the family's convention.
 */
import { LoomError } from '@loom/engine';
import type { WeightInfo } from '../weight-source.ts';

/** What the shapes tell about an LDM UNet. */
export interface UnetFacts {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly modelChannels: number;
  /** Channel multiplier per level. */
  readonly channelMult: number[];
  readonly numResBlocks: number;
  /** Transformer depth per level; 0 where the level has no attention. */
  readonly depth: number[];
  readonly midDepth: number;
  readonly contextDim: number;
  readonly linearProjection: boolean;
  /** Input width of label_emb (SDXL's pooled text + time ids), when present. */
  readonly admInChannels?: number;
}

type Info = (key: string) => WeightInfo | undefined;

/** Detects the UNet under `p` (e.g. `model.diffusion_model.`); `origin` names the file in errors. */
export function detectUnet(info: Info, keys: readonly string[], p: string, origin: string): UnetFacts {
  const convIn = info(`${p}input_blocks.0.0.weight`)?.shape;
  const convOut = info(`${p}out.2.weight`)?.shape;
  if (!convIn || !convOut) throw new LoomError('UNSUPPORTED_MODEL', `${origin}: no LDM UNet (input_blocks.0.0 / out.2 missing under ${p}).`);
  const modelChannels = convIn[0]!;
  const channelMult: number[] = [];
  const depth: number[] = [];
  const resPerLevel: number[] = [];
  let count = 0;
  let levelDepth = 0;
  for (let b = 1; info(`${p}input_blocks.${b}.0.op.weight`) || info(`${p}input_blocks.${b}.0.in_layers.0.weight`); b++) {
    if (info(`${p}input_blocks.${b}.0.op.weight`)) {
      closeLevel();
      continue;
    }
    const out = info(`${p}input_blocks.${b}.0.out_layers.3.weight`)?.shape[0];
    if (out === undefined) throw new LoomError('UNSUPPORTED_MODEL', `${origin}: input_blocks.${b} is neither a ResBlock nor a Downsample.`);
    if (count === 0) channelMult.push(out / modelChannels);
    count++;
    levelDepth = Math.max(levelDepth, transformerDepth(keys, `${p}input_blocks.${b}.1.`));
  }
  closeLevel();
  const numResBlocks = resPerLevel[0]!;
  if (resPerLevel.some((n) => n !== numResBlocks)) {
    throw new LoomError(
      'UNSUPPORTED_MODEL',
      `${origin}: levels have different ResBlock counts (${resPerLevel.join(', ')}); diffusers' UNet2DConditionModel needs one layers_per_block.`,
    );
  }
  const firstProj = keys.find((k) => k.startsWith(p) && k.endsWith('.proj_in.weight'));
  const firstK = keys.find((k) => k.startsWith(p) && k.endsWith('.attn2.to_k.weight'));
  const adm = info(`${p}label_emb.0.0.weight`)?.shape[1];
  return {
    inChannels: convIn[1]!,
    outChannels: convOut[0]!,
    modelChannels,
    channelMult,
    numResBlocks,
    depth,
    midDepth: transformerDepth(keys, `${p}middle_block.1.`),
    contextDim: firstK ? info(firstK)!.shape[1]! : 0,
    linearProjection: firstProj ? info(firstProj)!.shape.length === 2 : false,
    ...(adm === undefined ? {} : { admInChannels: adm }),
  };

  function closeLevel(): void {
    if (count === 0) return;
    resPerLevel.push(count);
    depth.push(levelDepth);
    count = 0;
    levelDepth = 0;
  }
}

function transformerDepth(keys: readonly string[], prefix: string): number {
  let n = 0;
  for (const k of keys) {
    const m = k.startsWith(prefix) ? /^transformer_blocks\.(\d+)\./.exec(k.slice(prefix.length)) : null;
    if (m) n = Math.max(n, Number(m[1]) + 1);
  }
  return n;
}
