/**
 * Loads a single-file checkpoint (LDM/CompVis SD1.x or sgm SDXL key layout, .safetensors or pickle)
 * as {@link ModelComponents}: detects the family and architecture from the tensors, reads the
 * A1111 `.yaml` beside it when present, renames every component to diffusers paths and derives the
 * diffusers configs. EMA shadows (`model_ema.*`) are ignored: A1111 and ComfyUI load the trained
 * weights by default. Nothing is read but headers until the builder asks for a tensor.
 */
import { access } from 'node:fs/promises';
import { LoomError } from '@loom/engine';
import type { ModelComponents } from '../components.ts';
import { mappedSource } from '../mapped-source.ts';
import { openWeightFile } from '../open-weight-file.ts';
import type { WeightSource } from '../weight-source.ts';
import { readModelYaml, type ModelHints } from './a1111-yaml.ts';
import { hfClipMapping, openClipMapping } from './clip-names.ts';
import { detectClip, detectVae, unetView, vaeView } from './components-of.ts';
import { detectUnet } from './detect-unet.ts';
import { checkFloatWeights } from '../float-weights.ts';
import { clipConfig, unetConfig, vaeConfig, type Family } from './diffusers-configs.ts';
import { schedulerConfig } from './scheduler-defaults.ts';

const UNET = 'model.diffusion_model.';
const VAE = 'first_stage_model.';
const SD1_CLIP = 'cond_stage_model.transformer.';
const SDXL_CLIP_L = 'conditioner.embedders.0.transformer.';
const SDXL_CLIP_G = 'conditioner.embedders.1.model.';

/** Opens `path` and resolves it to diffusers-named components. */
export async function loadSingleFile(path: string): Promise<ModelComponents> {
  const base = await openWeightFile(path);
  try {
    return await resolve(base, await hintsFor(path));
  } catch (err) {
    await base.close();
    throw err;
  }
}

/** The `.yaml` with the checkpoint's stem, as A1111 looks for it. */
export async function hintsFor(path: string): Promise<ModelHints> {
  const yaml = path.replace(/\.[^./\\]+$/, '.yaml');
  const exists = await access(yaml).then(
    () => true,
    () => false,
  );
  return exists ? readModelYaml(yaml) : { textHeads: [] };
}

async function resolve(base: WeightSource, hints: ModelHints): Promise<ModelComponents> {
  const keys = base.names();
  const family = familyOf(base, keys);
  const unetFacts = detectUnet((k) => base.info(k), keys, UNET, base.origin);
  const vaeFacts = detectVae(base, VAE);
  const views: WeightSource[] = [];
  const track = (v: WeightSource): WeightSource => (views.push(v), v);
  const te1 = track(mappedSource(base, hfClipMapping(keys, family === 'sdxl' ? SDXL_CLIP_L : SD1_CLIP), base.origin, true));
  const te1Facts = detectClip(te1);
  const te2 =
    family === 'sdxl'
      ? track(
          mappedSource(
            base,
            openClipMapping((k) => base.info(k), keys, SDXL_CLIP_G),
            base.origin,
            true,
          ),
        )
      : undefined;
  const te2Facts = te2 ? detectClip(te2) : undefined;
  const textWidth = te1Facts.hidden + (te2Facts?.hidden ?? 0);
  if (unetFacts.contextDim !== textWidth) {
    throw new LoomError(
      'UNSUPPORTED_MODEL',
      `${base.origin}: the UNet cross-attends to ${unetFacts.contextDim} channels but the text encoders give ${textWidth}; this is not an ${family === 'sdxl' ? 'SDXL' : 'SD1.x'} checkpoint Loom knows.`,
    );
  }
  if (unetFacts.inChannels !== 4 && unetFacts.inChannels !== 9) {
    throw new LoomError(
      'UNSUPPORTED_MODEL',
      `${base.origin}: the UNet takes ${unetFacts.inChannels} input channels; Loom knows 4 (txt2img) and 9 (inpainting).`,
    );
  }
  const unet = track(unetView(base, UNET, unetFacts.numResBlocks));
  const vae = track(vaeView(base, VAE, vaeFacts.chMult.length));
  // checked on the file's own names, which the user can look up (EMA shadows and training state skipped)
  const prefixes = [UNET, VAE, family === 'sdxl' ? SDXL_CLIP_L : SD1_CLIP, SDXL_CLIP_G];
  checkFloatWeights(base, (k) => prefixes.some((p) => k.startsWith(p)) && !k.startsWith(`${VAE}loss.`));
  const closeAll = closeTogether(base, views);
  const inpaint = unetFacts.inChannels === 9;
  return {
    kind: `${family}${inpaint ? '-inpaint' : ''}` as ModelComponents['kind'],
    unet: { config: unetConfig(unetFacts, hints, family, te2Facts?.projection), weights: closeAll(unet) },
    vae: { config: vaeConfig(vaeFacts, hints, family), weights: closeAll(vae) },
    textEncoder: { config: clipConfig(te1Facts, hints.textHeads[0], 'quick_gelu'), weights: closeAll(te1) },
    ...(te2 && te2Facts ? { textEncoder2: { config: clipConfig(te2Facts, hints.textHeads[1], 'gelu'), weights: closeAll(te2) } } : {}),
    scheduler: schedulerConfig(family),
  };
}

function familyOf(base: WeightSource, keys: readonly string[]): Family {
  const has = (prefix: string): boolean => keys.some((k) => k.startsWith(prefix));
  if (has(UNET) && has(VAE)) {
    if (has(SDXL_CLIP_L) && has(SDXL_CLIP_G)) return 'sdxl';
    if (has(SD1_CLIP)) return 'sd15';
  }
  throw new LoomError(
    'UNSUPPORTED_MODEL',
    `${base.origin}: not an SD1.x or SDXL checkpoint Loom recognises. Found ${describeKeys(base, keys)}. Loom reads single files with model.diffusion_model.*, first_stage_model.* and cond_stage_model.transformer.* (SD1.x) or conditioner.embedders.0/1.* (SDXL); SD2.x (cond_stage_model.model.*), LoRAs and standalone VAEs go elsewhere.`,
  );
}

/** "N tensors: prefix (count), …; conv_in … channels" for unknown-architecture messages. */
function describeKeys(base: WeightSource, keys: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const k of keys) {
    const prefix = k.split('.').slice(0, 2).join('.');
    counts.set(prefix, (counts.get(prefix) ?? 0) + 1);
  }
  const top = [...counts]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8)
    .map(([p, n]) => `${p}.* (${n})`)
    .join(', ');
  const convIn = keys.find((k) => k.endsWith('input_blocks.0.0.weight')) ?? keys.find((k) => k.endsWith('conv_in.weight'));
  const channels = convIn ? `; ${convIn} has shape [${base.info(convIn)!.shape.join(', ')}]` : '';
  return `${keys.length} tensors: ${top}${channels}`;
}

/** Closes `base` once every view handed out has been closed. */
function closeTogether(base: WeightSource, views: readonly WeightSource[]): (view: WeightSource) => WeightSource {
  let open = views.length;
  return (view) => ({
    ...view,
    close: async () => {
      if (--open === 0) await base.close();
    },
  });
}
