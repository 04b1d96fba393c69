/**
 * Per-component detection and renaming of an LDM single-file checkpoint: each function takes the
 * whole file's source and returns one component's facts and its diffusers-named view.
 */
import { LoomError } from '@loom/engine';
import { mappedSource, type TensorMapping } from '../mapped-source.ts';
import type { WeightSource } from '../weight-source.ts';
import type { ClipFacts, VaeFacts } from './diffusers-configs.ts';
import { ldmUnetToDiffusers } from './unet-names.ts';
import { isVaeAttentionConv, ldmVaeToDiffusers } from './vae-names.ts';

/** The diffusers-named UNet under `prefix`; any key the layout does not explain is UNSUPPORTED_MODEL. */
export function unetView(base: WeightSource, prefix: string, layersPerBlock: number): WeightSource {
  const mapping = new Map<string, TensorMapping>();
  const unknown: string[] = [];
  for (const key of base.names()) {
    if (!key.startsWith(prefix)) continue;
    const name = ldmUnetToDiffusers(key.slice(prefix.length), layersPerBlock);
    if (name) mapping.set(name, { from: key });
    else unknown.push(key);
  }
  if (unknown.length > 0) {
    throw new LoomError(
      'UNSUPPORTED_MODEL',
      `${base.origin}: the UNet has ${unknown.length} tensors outside the SD1.x/SDXL layout (e.g. ${unknown.slice(0, 4).join(', ')}). Loom builds SD1.x and SDXL UNets only.`,
    );
  }
  return mappedSource(base, mapping, base.origin, true);
}

/** Facts of the LDM VAE under `prefix` (`first_stage_model.` in a checkpoint, '' in a VAE file). */
export function detectVae(base: WeightSource, prefix: string): VaeFacts {
  const shape = (k: string): readonly number[] | undefined => base.info(prefix + k)?.shape;
  const convIn = shape('encoder.conv_in.weight');
  const decIn = shape('decoder.conv_in.weight');
  const convOut = shape('decoder.conv_out.weight');
  if (!convIn || !decIn || !convOut)
    throw new LoomError('UNSUPPORTED_MODEL', `${base.origin}: no VAE (encoder.conv_in / decoder.conv_in missing under "${prefix}").`);
  const ch = convIn[0]!;
  const chMult: number[] = [];
  for (let i = 0; shape(`encoder.down.${i}.block.0.conv2.weight`); i++) chMult.push(shape(`encoder.down.${i}.block.0.conv2.weight`)![0]! / ch);
  let numResBlocks = 0;
  while (shape(`encoder.down.0.block.${numResBlocks}.conv1.weight`)) numResBlocks++;
  return { ch, chMult, numResBlocks, latentChannels: decIn[1]!, inChannels: convIn[1]!, outChannels: convOut[0]! };
}

/** The diffusers-named VAE under `prefix`; training-only keys (`loss.*`) are skipped. */
export function vaeView(base: WeightSource, prefix: string, levels: number): WeightSource {
  const mapping = new Map<string, TensorMapping>();
  for (const key of base.names()) {
    if (!key.startsWith(prefix)) continue;
    const name = ldmVaeToDiffusers(key.slice(prefix.length), levels);
    if (!name) continue;
    const shape = base.info(key)!.shape;
    // LDM's attention projections are 1×1 convs [C, C, 1, 1]; diffusers' Linear weights are [C, C]
    mapping.set(name, isVaeAttentionConv(key) && shape.length === 4 ? { from: key, shape: shape.slice(0, 2) } : { from: key });
  }
  return mappedSource(base, mapping, base.origin, true);
}

/** Facts of a transformers-named CLIP text model. */
export function detectClip(source: WeightSource): ClipFacts {
  const shape = (k: string): readonly number[] | undefined => source.info(k)?.shape;
  const tokens = shape('text_model.embeddings.token_embedding.weight');
  const positions = shape('text_model.embeddings.position_embedding.weight');
  const fc1 = shape('text_model.encoder.layers.0.mlp.fc1.weight');
  if (!tokens || !positions || !fc1) throw new LoomError('UNSUPPORTED_MODEL', `${source.origin}: the text encoder lacks token/position embeddings or layer 0.`);
  let layers = 0;
  while (shape(`text_model.encoder.layers.${layers}.mlp.fc1.weight`)) layers++;
  const projection = shape('text_projection.weight')?.[0];
  return {
    hidden: tokens[1]!,
    vocab: tokens[0]!,
    positions: positions[0]!,
    intermediate: fc1[0]!,
    layers,
    ...(projection === undefined ? {} : { projection }),
  };
}
