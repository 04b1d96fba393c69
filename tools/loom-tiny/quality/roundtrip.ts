/**
 * The VAE's share of the misses: each labelled generator render encoded and decoded by the model's
 * VAE through Loom (LoadImage → VAEEncode → VAEDecode) and read by the checker. No prompt or UNet is
 * involved, so an attribute lost here is one the decoder cannot draw from the encoder's latents: a
 * ceiling for prompt adherence, and the measurement that showed the decoder rounding small squares.
 */
import type { Graph } from '@loom/engine';
import type { NodePackConfig } from '@loom/nodes';
import { createHost } from '../../../packages/server/src/host.ts';
import { type Attribute, judge, type Judgement, shares } from './adherence.ts';
import type { Detection } from './checker.ts';
import type { RgbImage } from './image.ts';
import { LABELLED_DIR, type LabelledRender, loadLabels } from './labelled.ts';
import { decodedImage, RENDER_SETTINGS } from './render.ts';

export interface RoundTripCase extends Judgement {
  label: LabelledRender;
  detection: Detection;
  image: RgbImage;
}

export interface RoundTripResult {
  count: number;
  /** Share whose colour, shape and position survive the round trip. */
  adherence: number;
  perAttribute: Record<Attribute, number>;
  cases: RoundTripCase[];
}

function roundTripGraph(file: string, pipeline: string): Graph {
  return {
    version: 1,
    nodes: {
      loader: { type: 'ModelLoader', inputs: { pipeline } },
      image: { type: 'LoadImage', inputs: { image: file } },
      encode: { type: 'VAEEncode', inputs: { vae: { node: 'loader', output: 'vae' }, images: { node: 'image', output: 'images' } } },
      decode: { type: 'VAEDecode', inputs: { vae: { node: 'loader', output: 'vae' }, latent: { node: 'encode', output: 'latent' } } },
    },
  } as Graph;
}

export async function measureRoundTrip(
  check: (image: RgbImage) => Detection,
  options: { host?: Partial<NodePackConfig>; pipeline?: string; dir?: string } = {},
): Promise<RoundTripResult> {
  const dir = options.dir ?? LABELLED_DIR;
  const host = createHost({ ...options.host, inputDir: dir });
  const cases: RoundTripCase[] = [];
  for (const label of loadLabels(dir)) {
    const result = await host.engine.run(roundTripGraph(label.file, options.pipeline ?? RENDER_SETTINGS.pipeline), { targets: ['decode'] });
    const image = decodedImage(result.outputs.get('decode'));
    const detection = check(image);
    cases.push({ label, detection, ...judge(detection, label), image });
  }
  return { count: cases.length, ...shares(cases), cases };
}
