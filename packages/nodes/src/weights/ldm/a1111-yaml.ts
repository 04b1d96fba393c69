/**
 * The A1111-style `.yaml` beside a single-file checkpoint (`model.yaml` next to `model.safetensors`):
 * CompVis/sgm model configs such as `v1-inference.yaml` and `sd_xl_base.yaml`. Loom reads only what
 * tensor shapes cannot tell: head counts, the latent size, the VAE scale factor, and (a Loom
 * extension for non-standard models) GroupNorm group counts and text-encoder head counts.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { LoomError } from '@loom/engine';

/** Facts a .yaml adds to detection; all optional. */
export interface ModelHints {
  readonly numHeads?: number;
  readonly numHeadChannels?: number;
  readonly unetNormGroups?: number;
  readonly vaeNormGroups?: number;
  /** Latent size (model.params.image_size). */
  readonly imageSize?: number;
  readonly scaleFactor?: number;
  /** Attention heads of the first and second text encoder. */
  readonly textHeads: readonly (number | undefined)[];
}

const num = z.number().optional();
const params = <T extends z.ZodRawShape>(shape: T) =>
  z
    .object({ params: z.object(shape).partial().passthrough().optional() })
    .passthrough()
    .optional();
const unetParams = { num_heads: num, num_head_channels: num, norm_num_groups: num };
const textParams = { num_attention_heads: num };
const Yaml = z
  .object({
    model: z
      .object({
        params: z
          .object({
            image_size: num,
            scale_factor: num,
            unet_config: params(unetParams),
            network_config: params(unetParams),
            first_stage_config: params({ ddconfig: z.object({ norm_num_groups: num }).passthrough().optional() }),
            cond_stage_config: params(textParams),
            conditioner_config: params({ emb_models: z.array(params(textParams)).optional() }),
          })
          .partial()
          .passthrough(),
      })
      .passthrough(),
  })
  .passthrough();

/** Reads and validates `path`; a malformed file is BAD_FILE naming it. */
export async function readModelYaml(path: string): Promise<ModelHints> {
  // Imported here, not at the top: only checkpoints with a .yaml beside them pay for the parser (lazy-require.ts says why).
  const { parse } = await import('yaml');
  let doc: unknown;
  try {
    doc = parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new LoomError('BAD_FILE', `${path}: not valid YAML (${(err as Error).message}).`, { cause: err });
  }
  const parsed = Yaml.safeParse(doc);
  if (!parsed.success) {
    throw new LoomError(
      'BAD_FILE',
      `${path}: not a model config (expected model.params …): ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  const p = parsed.data.model.params;
  const unet = p.unet_config?.params ?? p.network_config?.params ?? {};
  const embedders = p.conditioner_config?.params?.emb_models;
  return {
    ...defined('numHeads', unet.num_heads === -1 ? undefined : unet.num_heads),
    ...defined('numHeadChannels', unet.num_head_channels === -1 ? undefined : unet.num_head_channels),
    ...defined('unetNormGroups', unet.norm_num_groups),
    ...defined('vaeNormGroups', p.first_stage_config?.params?.ddconfig?.norm_num_groups),
    ...defined('imageSize', p.image_size),
    ...defined('scaleFactor', p.scale_factor),
    textHeads: embedders ? embedders.map((e) => e?.params?.num_attention_heads) : [p.cond_stage_config?.params?.num_attention_heads],
  };
}

function defined<K extends string>(key: K, value: number | undefined): Partial<Record<K, number>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, number>);
}
