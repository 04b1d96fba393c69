/**
 * Checkpoints a user drops into models/checkpoints, through run-graph: hostile, truncated, wrongly
 * typed and unknown files each fail the loader with exit 1 and a message naming the file and cause,
 * and nothing in a hostile pickle runs (issue 15).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const fixtures = join(root, 'test/fixtures/checkpoints');
const models = mkdtempSync(join(tmpdir(), 'loom-ckpt-models-'));
const checkpoints = join(models, 'checkpoints');
mkdirSync(checkpoints);
for (const f of ['hostile.ckpt', 'hostile-legacy.pt', 'truncated.safetensors', 'truncated.ckpt']) cpSync(join(fixtures, 'bad', f), join(checkpoints, f));

// wrong dtype: one UNet weight's header says I16 (same size as F16, so the file stays consistent)
const good = readFileSync(join(fixtures, 'tiny-sd15.safetensors'));
const headerEnd = 8 + Number(good.readBigUInt64LE(0));
const header = good
  .subarray(8, headerEnd)
  .toString('utf8')
  .replace(/("model\.diffusion_model\.out\.2\.weight":\{"dtype":")F16/, '$1I16');
writeFileSync(join(checkpoints, 'wrong-dtype.safetensors'), Buffer.concat([good.subarray(0, 8), Buffer.from(header, 'utf8'), good.subarray(headerEnd)]));

// unknown architecture: a safetensors of tensors no Stable Diffusion layout has
const json = JSON.stringify({ 'encoder.layer.0.weight': { dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] } }).padEnd(72, ' ');
const size = Buffer.alloc(8);
size.writeBigUInt64LE(BigInt(json.length));
writeFileSync(join(checkpoints, 'mystery.safetensors'), Buffer.concat([size, Buffer.from(json), Buffer.alloc(24)]));

const MARKER = '/tmp/loom-hostile-pickle-executed';

function runGraph(pipeline: string): Promise<{ code: number | null; stderr: string }> {
  const out = mkdtempSync(join(tmpdir(), 'loom-ckpt-out-'));
  const args = [join(root, 'packages/server/bin/run-graph.js'), join(root, 'graphs/loom-tiny-txt2img.json'), '--set', `loader.pipeline=${pipeline}`, '--quiet'];
  const child = spawn(process.execPath, args, { cwd: out, env: { ...process.env, LOOM_MODELS: models } });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr })));
}

const CASES: [string, RegExp][] = [
  ['hostile.ckpt', /hostile\.ckpt: refused to load: the pickle asks for "posix\.system"/],
  ['hostile-legacy.pt', /hostile-legacy\.pt: refused to load: the pickle asks for "posix\.system"/],
  ['truncated.safetensors', /truncated\.safetensors: truncated/],
  ['truncated.ckpt', /truncated\.ckpt: not a readable zip checkpoint .*truncated or damaged/],
  ['wrong-dtype.safetensors', /wrong-dtype\.safetensors: tensor "model\.diffusion_model\.out\.2\.weight" is stored as I16/],
  ['mystery.safetensors', /mystery\.safetensors: not an SD1\.x or SDXL checkpoint Loom recognises\. Found 1 tensors: encoder\.layer\.\* \(1\)/],
  ['missing.safetensors', /Checkpoint "missing\.safetensors" is not in/],
];

for (const [name, message] of CASES) {
  test(`run-graph with checkpoints/${name}: exit 1 naming the loader, the file and the cause`, async () => {
    rmSync(MARKER, { force: true });
    const { code, stderr } = await runGraph(name);
    assert.equal(code, 1, stderr);
    assert.match(stderr, /Node "loader" \(ModelLoader\) failed/);
    assert.match(stderr, message);
    assert.equal(existsSync(MARKER), false, 'nothing from the pickle ran');
  });
}
