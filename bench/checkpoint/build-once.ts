/**
 * One UNet build in a fresh process, so its peak RSS is the build's own:
 * `node --import tsx build-once.ts <diffusers unet folder> <out folder>` prints one JSON line with the
 * build seconds, the process's peak RSS and the bytes of weights written.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildUnet, writeModel } from '../../packages/nodes/src/builder/index.ts';
import { weightBytes } from '../../packages/nodes/src/builder/write-model.ts';
import { safetensorsSource } from '../../packages/nodes/src/builder/test-weight-source.ts';

export interface BuildSample {
  buildSeconds: number;
  peakRssGiB: number;
  weightGiB: number;
}

const [src, out] = process.argv.slice(2);
if (!src || !out) throw new Error('usage: build-once.ts <diffusers unet folder> <out folder>');
const t0 = performance.now();
const weights = await safetensorsSource(join(src, 'diffusion_pytorch_model.safetensors'));
const graph = buildUnet(JSON.parse(readFileSync(join(src, 'config.json'), 'utf8')), weights);
await writeModel(graph, out);
await weights.close();
const sample: BuildSample = {
  buildSeconds: (performance.now() - t0) / 1000,
  peakRssGiB: (process.resourceUsage().maxRSS * 1024) / 1024 ** 3,
  weightGiB: weightBytes(graph) / 1024 ** 3,
};
console.log(JSON.stringify(sample));
