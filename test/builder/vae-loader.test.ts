/**
 * Standalone VAE files (issue 16): a VAE file in the diffusers layout (with its config.json) and in the
 * LDM layout (legacy torch.save .pt with the checkpoint's .yaml) is built into ONNX and decodes and
 * encodes like the pipeline VAE with the same weights (the Optimum export, the built checkpoint), within
 * 1e-4; the build is cached; a file that is no VAE is refused by name.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { imageOf, latentOf } from '../../packages/nodes/src/ports.ts';
import { decodeLatents, encodeImages } from '../../packages/nodes/src/sd/vae.ts';
import { ensureBuiltVae } from '../../packages/nodes/src/weights/cache/built-vae.ts';
import { ensureBuiltPipeline } from '../../packages/nodes/src/weights/cache/built-pipeline.ts';
import { fixturesDir, modelsDir } from '../pipeline/harness.ts';

const scratch = mkdtempSync(join(tmpdir(), 'loom-vae-loader-'));
const cacheRoot = join(scratch, 'cache');
const ckpts = join(fixturesDir, 'checkpoints');

/** A seeded latent [1, 4, 8, 8] and image [1, 64, 64, 3] in 0..1 (xorshift, no Math.random). */
function seeded(n: number, seed: number): Float32Array {
  let x = seed;
  return Float32Array.from({ length: n }, () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  });
}
const latent = latentOf(
  seeded(4 * 8 * 8, 7).map((v) => (v - 0.5) * 4),
  [1, 4, 8, 8],
);
const image = imageOf(seeded(64 * 64 * 3, 11), [1, 64, 64, 3]);

const open = (path: string): Promise<ort.InferenceSession> => ort.InferenceSession.create(path, { intraOpNumThreads: 1 });

function close(actual: Float32Array, expected: Float32Array, label: string): void {
  assert.equal(actual.length, expected.length, label);
  let worst = 0;
  actual.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - expected[i]!))));
  assert.ok(worst <= 1e-4, `${label}: max |Δ| ${worst}`);
}

/** Decodes and encodes with both VAEs and compares pixels and latents. */
async function sameAs(
  built: { decoder: string; encoder: string; scalingFactor: number },
  decoder: string,
  encoder: string,
  scale: number,
  label: string,
): Promise<void> {
  assert.equal(built.scalingFactor, scale, `${label}: scale factor`);
  const ours = await decodeLatents(await open(built.decoder), built.decoder, latent, built.scalingFactor, undefined);
  const theirs = await decodeLatents(await open(decoder), decoder, latent, scale, undefined);
  close(ours.pixels, theirs.pixels, `${label} decode`);
  const ourLatent = await encodeImages(await open(built.encoder), built.encoder, image, built.scalingFactor);
  const theirLatent = await encodeImages(await open(encoder), encoder, image, scale);
  close(ourLatent.samples, theirLatent.samples, `${label} encode`);
}

test('a diffusers-layout VAE file with its config.json decodes and encodes as the Optimum export with the same weights', async () => {
  const dir = join(scratch, 'vae', 'tiny-sd15');
  mkdirSync(dir, { recursive: true });
  for (const f of ['config.json', 'diffusion_pytorch_model.safetensors']) cpSync(join(fixturesDir, 'builder/tiny-sd15/vae', f), join(dir, f));
  const built = await ensureBuiltVae(join(dir, 'diffusion_pytorch_model.safetensors'), { cacheRoot });
  await sameAs(built, join(modelsDir, 'tiny-sd15/vae_decoder/model.onnx'), join(modelsDir, 'tiny-sd15/vae_encoder/model.onnx'), 0.18215, 'diffusers layout');
  const stamp = statSync(built.decoder).mtimeMs;
  const again = await ensureBuiltVae(join(dir, 'diffusion_pytorch_model.safetensors'), { cacheRoot });
  assert.deepEqual(again, built, 'the second load opens the cache');
  assert.equal(statSync(again.decoder).mtimeMs, stamp, 'and does not rebuild');
});

test('an LDM-layout legacy .pt VAE with its .yaml decodes and encodes as the checkpoint it came from', async () => {
  const dir = join(scratch, 'ldm');
  mkdirSync(dir, { recursive: true });
  cpSync(join(ckpts, 'tiny-sd15-vae-legacy.pt'), join(dir, 'tiny-sd15-vae-legacy.pt'));
  cpSync(join(ckpts, 'tiny-sd15.yaml'), join(dir, 'tiny-sd15-vae-legacy.yaml')); // GroupNorm 8: the shapes cannot tell
  const built = await ensureBuiltVae(join(dir, 'tiny-sd15-vae-legacy.pt'), { cacheRoot });
  const pipeline = await ensureBuiltPipeline({ kind: 'single-file', path: join(ckpts, 'tiny-sd15.safetensors') }, { cacheRoot });
  await sameAs(built, join(pipeline, 'vae_decoder/model.onnx'), join(pipeline, 'vae_encoder/model.onnx'), 0.18215, 'LDM layout');
});

test('a file that is no VAE is refused, naming it', async () => {
  await assert.rejects(
    ensureBuiltVae(join(fixturesDir, 'builder/tiny-sd15/text_encoder/model.safetensors'), { cacheRoot }),
    /model\.safetensors: not a VAE Loom recognises/,
  );
});
