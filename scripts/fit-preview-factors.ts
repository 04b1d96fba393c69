/**
 * Fits a pipeline's live-preview colours on its own VAE and writes `latent_preview.json` into the
 * pipeline folder (see packages/nodes/src/sd/preview-factors.ts). `--images DIR` fits on the PNGs in
 * DIR (those matching `--match REGEX`), pictures like the model's own; without it, on colour charts.
 * Usage: npm run fit-preview -- <pipeline folder> [--images DIR [--match REGEX]]
 * The committed loom-tiny map (its plain training renders; the styled ones stay out for the test):
 *   npm run fit-preview -- models/loom-tiny --images test/fixtures/loom-tiny-world --match ^base-
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { pictureSet } from '../packages/nodes/src/sd/picture-set.ts';
import { readPipeline } from '../packages/nodes/src/sd/pipeline.ts';
import { fitPreviewFactors, PREVIEW_FACTORS_FILE } from '../packages/nodes/src/sd/preview-factors.ts';

const { positionals, values } = parseArgs({ allowPositionals: true, options: { images: { type: 'string' }, match: { type: 'string' } } });
const [dir] = positionals;
if (!dir || positionals.length > 1) {
  console.error('usage: npm run fit-preview -- <pipeline folder> [--images DIR [--match REGEX]]');
  process.exit(2);
}
const pipeline = await readPipeline(dir);
const open = async (model: string) => ({ session: await ort.InferenceSession.create(model), model });
const decoder = await open(pipeline.vaeDecoder);
const encoder = pipeline.vaeEncoder ? await open(pipeline.vaeEncoder) : undefined;
const pictures = values.images === undefined ? undefined : await pictureSet(values.images, values.match === undefined ? undefined : new RegExp(values.match));
const factors = await fitPreviewFactors({ decoder, ...(encoder && { encoder }) }, pipeline.vaeScalingFactor, pictures);
await Promise.all([decoder.session.release(), encoder?.session.release()]);
const path = join(dir, PREVIEW_FACTORS_FILE);
await writeFile(path, `${JSON.stringify(factors, null, 2)}\n`);
console.log(`wrote ${path}`);
