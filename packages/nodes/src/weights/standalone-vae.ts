/**
 * A standalone VAE file (`models/vae/*.safetensors|*.pt`, as A1111 and ComfyUI take them) as diffusers
 * AutoencoderKL weights and config, for the graph builder. Two layouts:
 * - LDM (`encoder.down.0.block.0…`, `vae-ft-mse-840000-ema-pruned`, legacy `.vae.pt`), optionally under
 *   `first_stage_model.`: renamed by the checkpoint reader's VAE view; config from the shapes, with the
 *   GroupNorm size and scale factor from a `<stem>.yaml` beside it when there is one (as for checkpoints).
 * - diffusers (`encoder.down_blocks.0.resnets.0…`, `sdxl_vae.safetensors`): names as they are; config from
 *   a `config.json` in the same folder (a diffusers `vae/` folder) or else from the shapes.
 * Shapes cannot tell an SD1.x VAE from an SDXL one, so without a config the latent scale factor is
 * SDXL's 0.13025 when the file name says "xl", else SD1.x's 0.18215.
 */
import { access, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { LoomError } from '@loom/engine';
import type { ComponentWeights } from './components.ts';
import { openWeightFile } from './open-weight-file.ts';
import { detectVae, vaeView } from './ldm/components-of.ts';
import { vaeConfig, type Family, type VaeFacts } from './ldm/diffusers-configs.ts';
import { hintsFor } from './ldm/single-file.ts';
import type { WeightSource } from './weight-source.ts';

/** The VAE's weights and config, and the extra files its config came from (part of the build cache key). */
export interface StandaloneVae extends ComponentWeights {
  readonly companions: string[];
}

const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  );

/** SD1.x or SDXL by file name, for the scale factor only (see the module doc). */
const familyByName = (path: string): Family => (/xl/i.test(basename(path)) ? 'sdxl' : 'sd15');

/** Facts of a diffusers-named VAE, the same ones {@link detectVae} reads from LDM names. */
function diffusersFacts(w: WeightSource): VaeFacts {
  const shape = (k: string): readonly number[] | undefined => w.info(k)?.shape;
  const widths: number[] = [];
  for (let i = 0; shape(`encoder.down_blocks.${i}.resnets.0.conv2.weight`); i++) widths.push(shape(`encoder.down_blocks.${i}.resnets.0.conv2.weight`)![0]!);
  let numResBlocks = 0;
  while (shape(`encoder.down_blocks.0.resnets.${numResBlocks}.conv1.weight`)) numResBlocks++;
  const convIn = shape('encoder.conv_in.weight')!;
  const ch = widths[0] ?? convIn[0]!;
  return {
    ch,
    chMult: widths.map((x) => x / ch),
    numResBlocks,
    latentChannels: shape('decoder.conv_in.weight')![1]!,
    inChannels: convIn[1]!,
    outChannels: shape('decoder.conv_out.weight')![0]!,
  };
}

/** Opens the VAE file at `path`; see the module doc. */
export async function loadStandaloneVae(path: string): Promise<StandaloneVae> {
  const base = await openWeightFile(path);
  try {
    const names = base.names();
    const prefix = names.some((k) => k.startsWith('first_stage_model.')) ? 'first_stage_model.' : '';
    if (names.some((k) => k.startsWith(`${prefix}encoder.down.`))) {
      const facts = detectVae(base, prefix);
      const yaml = path.replace(/\.[^./\\]+$/, '.yaml');
      const hints = await hintsFor(path);
      return {
        config: vaeConfig(facts, hints, familyByName(path)),
        weights: vaeView(base, prefix, facts.chMult.length),
        companions: (await exists(yaml)) ? [yaml] : [],
      };
    }
    if (names.some((k) => k.startsWith('encoder.down_blocks.')) && base.info('encoder.conv_in.weight') && base.info('decoder.conv_out.weight')) {
      const json = join(dirname(path), 'config.json');
      if (await exists(json)) return { config: JSON.parse(await readFile(json, 'utf8')) as Record<string, unknown>, weights: base, companions: [json] };
      return { config: vaeConfig(diffusersFacts(base), { textHeads: [] }, familyByName(path)), weights: base, companions: [] };
    }
    throw new LoomError(
      'UNSUPPORTED_MODEL',
      `${path}: not a VAE Loom recognises (no encoder.down.* LDM keys or encoder.down_blocks.* diffusers keys). VAELoader takes standalone AutoencoderKL weights.`,
    );
  } catch (err) {
    await base.close();
    throw err;
  }
}
