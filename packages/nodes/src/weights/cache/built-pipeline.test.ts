import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LoomError } from '@loom/engine';
import type { buildPipelineOnnx } from '../../builder/index.ts';
import { readPipeline } from '../../sd/pipeline.ts';
import type { ModelComponents } from '../components.ts';
import { ensureBuiltPipeline } from './built-pipeline.ts';

const REPO = fileURLToPath(new URL('../../../../../', import.meta.url));
const FIXTURES = join(REPO, 'test/fixtures/checkpoints');

/**
 * Stands in for the graph builder: copies the ONNX export of the same seeded weights
 * (models/tiny-sd15 or tiny-sdxl) so readPipeline has real models to open, and writes each model's
 * config.json from the components, as the builder does.
 */
function fakeBuilder(calls: ModelComponents[]): typeof buildPipelineOnnx {
  return async (components, { outDir, progress }) => {
    calls.push(components);
    const from = join(REPO, 'models', components.kind === 'sdxl' ? 'tiny-sdxl' : 'tiny-sd15');
    const parts: [string, object][] = [
      ['text_encoder', components.textEncoder.config],
      ['unet', components.unet.config],
      ['vae_encoder', components.vae.config],
      ['vae_decoder', components.vae.config],
    ];
    if (components.textEncoder2) parts.push(['text_encoder_2', components.textEncoder2.config]);
    parts.forEach(([p, config], i) => {
      mkdirSync(join(outDir, p), { recursive: true });
      cpSync(join(from, p, 'model.onnx'), join(outDir, p, 'model.onnx'));
      writeFileSync(join(outDir, p, 'config.json'), JSON.stringify(config)); // the builder writes each model's config
      progress?.(i + 1, parts.length);
    });
  };
}

function modelsDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'loom-built-'));
  mkdirSync(join(dir, 'checkpoints'));
  for (const f of ['tiny-sd15.safetensors', 'tiny-sd15.yaml', 'tiny-sd15.tokenizer'])
    cpSync(join(FIXTURES, f), join(dir, 'checkpoints', f), { recursive: true });
  return dir;
}

test('a single file builds once with progress, opens as a pipeline, and later loads hit the cache by content', async () => {
  const models = modelsDir();
  const cacheRoot = join(models, '.loom');
  const calls: ModelComponents[] = [];
  const progress: [number, number][] = [];
  const path = join(models, 'checkpoints', 'tiny-sd15.safetensors');
  const options = { cacheRoot, build: fakeBuilder(calls), builderVersion: 't1', progress: (v: number, m: number) => progress.push([v, m]) };
  const dir = await ensureBuiltPipeline({ kind: 'single-file', path }, options);
  assert.equal(calls.length, 1);
  assert.equal(calls[0]!.kind, 'sd15');
  assert.deepEqual(progress.at(-1), [1000, 1000]);
  assert.ok(
    progress.every(([v], i) => i === 0 || v >= progress[i - 1]![0]),
    'progress never goes back',
  );
  assert.ok(
    progress.some(([v]) => v > 100 && v < 1000),
    'the build reports its own progress',
  );

  const files = await readPipeline(dir);
  assert.equal(files.family, 'sd15');
  assert.equal(files.vaeScalingFactor, 0.18215);
  assert.equal(files.schedulerConfig._class_name, 'PNDMScheduler');
  // the tokenizer beside the checkpoint, not the bundled CLIP one (the tiny vocabulary has 1,024 tokens)
  assert.deepEqual(readFileSync(join(files.textEncoders[0]!.tokenizerDir, 'vocab.json')), readFileSync(join(FIXTURES, 'tiny-sd15.tokenizer/vocab.json')));
  const unet = JSON.parse(readFileSync(join(dir, 'unet/config.json'), 'utf8')) as Record<string, unknown>;
  assert.deepEqual(unet.block_out_channels, [16, 32]);

  progress.length = 0;
  assert.equal(await ensureBuiltPipeline({ kind: 'single-file', path }, options), dir);
  assert.equal(calls.length, 1, 'second load opens the cache');
  assert.deepEqual(progress, [], 'and does not even re-hash (memo by path, size, mtime)');

  // the same bytes under another name reuse the build; changed bytes rebuild
  const renamed = join(models, 'checkpoints', 'renamed.safetensors');
  cpSync(path, renamed);
  cpSync(join(models, 'checkpoints', 'tiny-sd15.yaml'), join(models, 'checkpoints', 'renamed.yaml'));
  cpSync(join(models, 'checkpoints', 'tiny-sd15.tokenizer'), join(models, 'checkpoints', 'renamed.tokenizer'), { recursive: true });
  assert.equal(await ensureBuiltPipeline({ kind: 'single-file', path: renamed }, options), dir);
  assert.equal(calls.length, 1);
  const bytes = readFileSync(renamed);
  bytes[bytes.length - 1] = bytes.at(-1)! ^ 1;
  writeFileSync(renamed, bytes);
  assert.notEqual(await ensureBuiltPipeline({ kind: 'single-file', path: renamed }, options), dir);
  assert.equal(calls.length, 2);
  // a new builder version rebuilds too
  await ensureBuiltPipeline({ kind: 'single-file', path }, { ...options, builderVersion: 't2' });
  assert.equal(calls.length, 3);
  assert.deepEqual(
    readdirSync(join(cacheRoot, 'built')).filter((d) => d.includes('.tmp-')),
    [],
    'no temporary folders left',
  );
});

test('a diffusers SDXL folder builds with both tokenizers and force_zeros from its model_index', async () => {
  const models = mkdtempSync(join(tmpdir(), 'loom-built-'));
  cpSync(join(FIXTURES, 'tiny-sdxl-diffusers'), join(models, 'tiny-sdxl-diffusers'), { recursive: true });
  const calls: ModelComponents[] = [];
  const dir = await ensureBuiltPipeline(
    { kind: 'diffusers', path: join(models, 'tiny-sdxl-diffusers') },
    { cacheRoot: join(models, '.loom'), build: fakeBuilder(calls), builderVersion: 't1' },
  );
  const files = await readPipeline(dir);
  assert.equal(files.family, 'sdxl');
  assert.equal(files.textEncoders.length, 2);
  assert.equal(files.forceZerosForEmptyPrompt, true);
  assert.equal(files.vaeScalingFactor, 0.13025);
  const special = JSON.parse(readFileSync(join(files.textEncoders[1]!.tokenizerDir, 'special_tokens_map.json'), 'utf8')) as { pad_token: string };
  assert.equal(special.pad_token, '!');
});

test('failures leave no cache entry: a builder error, a tokenizer that does not fit', async () => {
  const models = modelsDir();
  const cacheRoot = join(models, '.loom');
  const path = join(models, 'checkpoints', 'tiny-sd15.safetensors');
  const boom: typeof buildPipelineOnnx = async () => {
    throw new LoomError('UNSUPPORTED_MODEL', 'builder failed');
  };
  await assert.rejects(ensureBuiltPipeline({ kind: 'single-file', path }, { cacheRoot, build: boom }), /builder failed/);
  // without its .tokenizer folder the tiny model would get CLIP's 49,408-token vocabulary
  cpSync(path, join(models, 'checkpoints', 'lonely.safetensors'));
  cpSync(join(models, 'checkpoints', 'tiny-sd15.yaml'), join(models, 'checkpoints', 'lonely.yaml'));
  const calls: ModelComponents[] = [];
  await assert.rejects(
    ensureBuiltPipeline({ kind: 'single-file', path: join(models, 'checkpoints', 'lonely.safetensors') }, { cacheRoot, build: fakeBuilder(calls) }),
    (err: unknown) => err instanceof LoomError && err.code === 'UNSUPPORTED_MODEL' && /lonely\.safetensors: its text encoder has 1024 tokens/.test(err.message),
  );
  assert.equal(calls.length, 0, 'refused before building');
  const built = existsSync(join(cacheRoot, 'built')) ? readdirSync(join(cacheRoot, 'built')) : [];
  assert.deepEqual(built, [], 'nothing cached, nothing half-written');
});
