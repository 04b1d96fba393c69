import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { modelFingerprint, openSession, sessionOptions, worthCaching } from './session.ts';
import { cacheEntryDir, createWithOptimizedCache, type CacheLog, type CacheOrigin } from './optimized-model-cache.ts';
import { writeTestModel } from './onnx-model/test-model-builder.ts';

const repo = fileURLToPath(new URL('../../../../', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'loom-ort-cache-'));

/** A logger that remembers warnings. */
function recorder(): { warn(message: string): void; info(message: string): void; warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, warn: (m) => void warnings.push(m), info: () => {} };
}

/** Level `all`: on the CPU the machine-specific NCHWc layouts, the hardest level to cache. */
const CACHED_OPTIONS = { ...sessionOptions('cpu', 1), graphOptimizationLevel: 'all' } as const;

interface Loaded {
  session: ort.InferenceSession;
  origin: CacheOrigin;
}

/** Opens `path` through the cache in `cacheDir`, as `openSession` does for a cached level. */
async function load(
  path: string,
  cacheDir: string,
  log: CacheLog = recorder(),
  options: ort.InferenceSession.SessionOptions = CACHED_OPTIONS,
): Promise<Loaded> {
  const { key } = await modelFingerprint(path);
  return createWithOptimizedCache({ cacheDir, source: path, fingerprint: key, device: 'cpu', options }, log);
}

/** Deterministic inputs in [-1, 1). */
function values(count: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: count }, () => ((s = (s * 16807) % 2147483647), (2 * s) / 2147483647 - 1));
}

/** A 32 → 32 Linear layer (4 KiB weight, so the cache writes it to its data file); y = x · Wᵀ. */
function linearModel(dir: string, weightSeed: number): { path: string; weight: Float32Array } {
  const weight = values(32 * 32, weightSeed);
  return { path: writeTestModel(dir, [{ module: 'proj', kind: 'matmul', inFeatures: 32, outFeatures: 32, weight }]), weight };
}

async function runLinear(loaded: Loaded, x: Float32Array): Promise<Float32Array> {
  try {
    return (await loaded.session.run({ x_0: new ort.Tensor('float32', x, [2, 32]) })).y_0!.data as Float32Array;
  } finally {
    await loaded.session.release();
  }
}

/** y = x · Wᵀ for two rows, by hand. */
function expectedLinear(x: Float32Array, weight: Float32Array): number[] {
  const y: number[] = [];
  for (let r = 0; r < 2; r++) {
    for (let o = 0; o < 32; o++) {
      let sum = 0;
      for (let i = 0; i < 32; i++) sum += x[r * 32 + i]! * weight[o * 32 + i]!;
      y.push(sum);
    }
  }
  return y;
}

function assertClose(actual: Float32Array, expected: number[], label: string): void {
  assert.equal(actual.length, expected.length);
  expected.forEach((e, i) => assert.ok(Math.abs(actual[i]! - e) < 1e-4, `${label}: y[${i}] = ${actual[i]} vs ${e}`));
}

for (const level of ['basic', 'extended', 'all'] as const)
  test(`the tiny SD1.5 UNet opened warm from the cache at level ${level} gives exactly the outputs of a direct session`, async () => {
    const options = { ...CACHED_OPTIONS, graphOptimizationLevel: level };
    const dir = join(scratch, `unet-${level}`);
    cpSync(join(repo, 'models/tiny-sd15/unet'), dir, { recursive: true });
    const path = join(dir, 'model.onnx');
    const cacheDir = join(scratch, `unet-${level}-cache`);
    const feeds = {
      sample: new ort.Tensor('float32', values(2 * 4 * 8 * 8, 3), [2, 4, 8, 8]),
      timestep: new ort.Tensor('int64', new BigInt64Array([999n, 999n]), [2]),
      encoder_hidden_states: new ort.Tensor('float32', values(2 * 77 * 32, 5), [2, 77, 32]),
    };
    const outputs: Float32Array[] = [];
    const log = recorder();
    const direct = await ort.InferenceSession.create(path, options);
    outputs.push((await direct.run(feeds)).out_sample!.data as Float32Array);
    await direct.release();
    for (const origin of ['cold', 'warm']) {
      const loaded = await load(path, cacheDir, log, options);
      outputs.push((await loaded.session.run(feeds)).out_sample!.data as Float32Array);
      await loaded.session.release();
      assert.equal(loaded.origin, origin);
    }
    assert.deepEqual(outputs[1], outputs[0], 'the session that built the cache');
    assert.deepEqual(outputs[2], outputs[0], 'the warm session');
    assert.deepEqual(log.warnings, []);
    const [entry] = readdirSync(cacheDir);
    assert.deepEqual(readdirSync(join(cacheDir, entry!)).sort(), ['manifest.json', 'model.onnx', 'model.onnx.data']);
  });

test('a changed model file misses the cache, computes the new weights and replaces the old entry', async () => {
  const dir = join(scratch, 'changed');
  const cacheDir = join(scratch, 'changed-cache');
  const x = values(64, 11);
  const first = linearModel(dir, 1);
  assertClose(await runLinear(await load(first.path, cacheDir), x), expectedLinear(x, first.weight), 'first model');
  const warm = await load(first.path, cacheDir);
  assert.equal(warm.origin, 'warm');
  await warm.session.release();
  const oldEntries = readdirSync(cacheDir);
  const second = linearModel(dir, 2); // same path, new bytes and mtime
  const reloaded = await load(second.path, cacheDir);
  assert.equal(reloaded.origin, 'cold');
  assertClose(await runLinear(reloaded, x), expectedLinear(x, second.weight), 'changed model');
  const entries = readdirSync(cacheDir);
  assert.equal(entries.length, 1, 'the stale entry is pruned');
  assert.notDeepEqual(entries, oldEntries);
});

for (const damage of ['truncated data file', 'rewritten graph of the same size', 'garbage manifest', 'missing manifest'] as const) {
  test(`a cache entry with a ${damage} is ignored with a warning and rebuilt`, async () => {
    const dir = join(scratch, damage.replaceAll(' ', '-'));
    const cacheDir = `${dir}-cache`;
    const model = linearModel(dir, 3);
    const x = values(64, 13);
    await (await load(model.path, cacheDir)).session.release();
    const [entry] = readdirSync(cacheDir);
    const entryDir = join(cacheDir, entry!);
    if (damage === 'truncated data file') truncateSync(join(entryDir, 'model.onnx.data'), 100);
    if (damage === 'rewritten graph of the same size')
      writeFileSync(join(entryDir, 'model.onnx'), Buffer.alloc(readFileSync(join(entryDir, 'model.onnx')).length, 0x5a));
    if (damage === 'garbage manifest') writeFileSync(join(entryDir, 'manifest.json'), '{ not json');
    if (damage === 'missing manifest') rmSync(join(entryDir, 'manifest.json'));
    const log = recorder();
    const rebuilt = await load(model.path, cacheDir, log);
    assert.equal(rebuilt.origin, 'cold');
    assertClose(await runLinear(rebuilt, x), expectedLinear(x, model.weight), damage);
    assert.equal(log.warnings.length, 1, log.warnings.join('\n'));
    assert.match(log.warnings[0]!, /Ignoring the cached optimized model .* Rebuilding it\./);
    const again = await load(model.path, cacheDir, log);
    assert.equal(again.origin, 'warm', 'the rebuilt entry is used next time');
    assertClose(await runLinear(again, x), expectedLinear(x, model.weight), `${damage}, warm`);
  });
}

test('entries are per device and optimization level', () => {
  const a = cacheEntryDir('/c', 'fp', 'cpu', 'all');
  assert.notEqual(a, cacheEntryDir('/c', 'fp', 'cuda', 'all'));
  assert.notEqual(a, cacheEntryDir('/c', 'fp', 'cpu', 'extended'));
  assert.notEqual(a, cacheEntryDir('/c', 'fp2', 'cpu', 'all'));
  assert.equal(a, cacheEntryDir('/c', 'fp', 'cpu', 'all'));
});

test('openSession: the CPU level (extended) goes through the cache too; without a folder or at level disabled it loads directly', async () => {
  const dir = join(scratch, 'cpu-level');
  const cacheDir = join(scratch, 'cpu-level-cache');
  const model = linearModel(dir, 4);
  const x = values(64, 17);
  for (const [folder, origin] of [
    [undefined, 'direct'],
    ['', 'direct'],
    [cacheDir, 'cold'],
    [cacheDir, 'warm'],
  ] as const) {
    const loaded = await openSession(model.path, { device: 'cpu', threads: 1, cacheDir: folder }, recorder());
    assert.equal(loaded.origin, origin, `cache folder ${folder}`);
    assertClose(await runLinear(loaded, x), expectedLinear(x, model.weight), `cache folder ${folder}`);
  }
  const [entry] = readdirSync(cacheDir);
  assert.equal(JSON.parse(readFileSync(join(cacheDir, entry!, 'manifest.json'), 'utf8')).level, 'extended');
  assert.equal(worthCaching(sessionOptions('cpu', 1)), true);
  assert.equal(worthCaching({ ...sessionOptions('cpu', 1), graphOptimizationLevel: 'basic' }), true);
  assert.equal(worthCaching(CACHED_OPTIONS), true);
  assert.equal(worthCaching({ ...sessionOptions('cpu', 1), graphOptimizationLevel: 'disabled' }), false);
});

test('an unusable cache folder only costs a warning', async () => {
  const dir = join(scratch, 'unusable');
  const model = linearModel(dir, 5);
  const x = values(64, 19);
  const blocker = join(scratch, 'a-file');
  writeFileSync(blocker, 'not a folder');
  const log = recorder();
  const loaded = await load(model.path, join(blocker, 'cache'), log);
  assert.equal(loaded.origin, 'direct');
  assertClose(await runLinear(loaded, x), expectedLinear(x, model.weight), 'unusable cache');
  assert.equal(log.warnings.length, 1);
  assert.match(log.warnings[0]!, /Cannot write the optimized-model cache/);
});

test('openSession at precision int8: the quantized model is cached as its own entry, cold then warm, close to the float math', async () => {
  const dir = join(scratch, 'int8');
  const cacheDir = join(scratch, 'int8-cache');
  const model = linearModel(dir, 6);
  const x = values(64, 23);
  const expected = expectedLinear(x, model.weight);
  const peak = Math.max(...expected.map(Math.abs));
  for (const origin of ['cold', 'warm']) {
    const loaded = await openSession(model.path, { device: 'cpu', threads: 1, cacheDir, precision: 'int8' }, recorder());
    assert.equal(loaded.origin, origin);
    const y = await runLinear(loaded, x);
    const worst = Math.max(...expected.map((e, i) => Math.abs(y[i]! - e)));
    // 7-bit weights and 8-bit activations over 32 products: about 1% of the output range.
    assert.ok(worst < 0.02 * peak && worst > 0, `${origin}: int8 error ${worst} vs peak ${peak}`);
  }
  const [entry] = readdirSync(cacheDir);
  assert.equal(JSON.parse(readFileSync(join(cacheDir, entry!, 'manifest.json'), 'utf8')).variant, 'int8-matmul');
});
