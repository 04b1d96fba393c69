/**
 * `loom pull` end to end against a mock of the hub's API on 127.0.0.1 (./mock-hub.ts), serving the
 * repository's tiny fixtures as the mock repos' files: what lands where, byte for byte; resume after a
 * cut connection; checksum, access and not-found failures; a full disk (a 256 KB tmpfs, when mounting
 * one is allowed).
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { pullCli } from '../../packages/server/src/pull/pull-cli.ts';
import { startMockHub, type MockHub } from './mock-hub.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const fixture = (path: string): string => join(root, path);

function readTree(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else out.set(relative(dir, path), readFileSync(path));
    }
  };
  walk(dir);
  return out;
}

const sha = (data: Buffer): string => createHash('sha256').update(data).digest('hex');
const PIPELINE = readTree(fixture('models/tiny-sd15'));
const LORAS = readTree(fixture('models/loras/tiny-sd15'));
const lora = (rank: number): Buffer => LORAS.get(`pytorch_lora_weights_${rank}.safetensors`) ?? assert.fail('fixture');
const UNET = PIPELINE.get('unet/model.onnx') ?? assert.fail('fixture');

let hub: MockHub;
let work: string;
before(async () => {
  work = mkdtempSync(join(tmpdir(), 'loom-pull-'));
  hub = await startMockHub(
    {
      // The tiny ONNX pipeline plus what a real diffusers repo also holds and Loom must not fetch.
      'loom/tiny-sd15': {
        files: {
          ...Object.fromEntries(PIPELINE),
          'unet/diffusion_pytorch_model.safetensors': Buffer.from('torch weights, not fetched with --onnx'),
          'text_encoder/flax_model.msgpack': Buffer.from('flax'),
          'tiny-sd15.ckpt': Buffer.from('single-file duplicate'),
          'README.md': Buffer.from('# tiny'),
          '.gitattributes': Buffer.from('*.onnx filter=lfs'),
        },
      },
      'loom/tiny-lora': {
        files: { ...Object.fromEntries(LORAS), 'pytorch_lora_weights_4.bin': Buffer.from('a .bin duplicate'), 'README.md': Buffer.from('# lora') },
      },
      'loom/private-lora': { files: { 'pytorch_lora_weights_4.safetensors': lora(4) }, token: 'hf_secret' },
      'loom/mystery': { files: { 'weights.safetensors': safetensorsWith(['foo.weight']) } },
    },
    4,
  );
});
after(async () => {
  await hub.close();
  rmSync(work, { recursive: true, force: true });
});

/** A minimal safetensors file whose header names these tensors (one f32 each). */
function safetensorsWith(names: string[]): Buffer {
  const header = Object.fromEntries(names.map((name, i) => [name, { dtype: 'F32', shape: [1], data_offsets: [i * 4, i * 4 + 4] }]));
  const json = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([length, json, Buffer.alloc(names.length * 4)]);
}

async function pull(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string; models: string }> {
  const models = mkdtempSync(join(work, 'models-'));
  return pullInto(models, args, env);
}

async function pullInto(models: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string; models: string }> {
  let out = '';
  let err = '';
  const sink = (add: (text: string) => void): Writable => new Writable({ write: (chunk: Buffer, _enc, done) => (add(chunk.toString()), done()) });
  const code = await pullCli([...args, '--models', models], {
    env: { HF_ENDPOINT: hub.endpoint, ...env },
    out: sink((t) => (out += t)),
    err: sink((t) => (err += t)),
    retries: 2,
    sleep: async () => undefined,
  });
  return { code, out, err, models };
}

test('a pipeline repo lands in models/<name>/ with its layout, byte for byte, and nothing Loom does not read', async () => {
  const run = await pull(['loom/tiny-sd15', '--onnx']);
  assert.equal(run.code, 0, run.err);
  assert.deepEqual(readTree(join(run.models, 'tiny-sd15')), PIPELINE);
  assert.deepEqual(readdirSync(run.models), ['tiny-sd15']);
  assert.ok(
    hub.log.some((r) => r.host === 'hub' && r.url.includes('cursor=')),
    'the paged tree listing was followed',
  );
  assert.ok(hub.log.filter((r) => r.host === 'cdn').every((r) => r.auth === undefined));
});

test('a pipeline repo without --onnx gets its safetensors, not its ONNX files', async () => {
  const run = await pull(['loom/tiny-sd15', '--name', 'torch']);
  assert.equal(run.code, 0, run.err);
  const tree = readTree(join(run.models, 'torch'));
  assert.equal(tree.get('unet/diffusion_pytorch_model.safetensors')?.toString(), 'torch weights, not fetched with --onnx');
  assert.ok(!tree.has('unet/model.onnx'));
  assert.ok(tree.has('text_encoder/model.onnx'), 'a component with only ONNX weights keeps them');
  assert.ok(!tree.has('text_encoder/flax_model.msgpack') && !tree.has('tiny-sd15.ckpt') && !tree.has('README.md'));
});

test('a LoRA repo is detected from its tensor names and lands in models/loras/<repo>/, safetensors only', async () => {
  const run = await pull(['loom/tiny-lora']);
  assert.equal(run.code, 0, run.err);
  assert.match(run.out, /\(lora, 3 file\(s\)/);
  assert.deepEqual(readTree(join(run.models, 'loras', 'tiny-lora')), LORAS);
});

test('a second run finds the files whole (checked by sha256) and fetches nothing; --endpoint beats HF_ENDPOINT', async () => {
  const first = await pull(['loom/tiny-lora']);
  assert.equal(first.code, 0, first.err);
  const seen = hub.log.length;
  const again = await pullInto(first.models, ['loom/tiny-lora', '--endpoint', hub.endpoint], { HF_ENDPOINT: 'http://127.0.0.1:9' });
  assert.equal(again.code, 0, again.err);
  assert.match(again.err, /have 97\.2 KB pytorch_lora_weights_16\.safetensors/);
  assert.ok(!hub.log.slice(seen).some((r) => r.host === 'cdn' && r.range === undefined), 'no whole file was fetched again');
  assert.deepEqual(readTree(join(first.models, 'loras', 'tiny-lora')), LORAS);
});

test('one path in a repo with --kind lands flat in the kind folder', async () => {
  const run = await pull(['loom/tiny-lora', 'pytorch_lora_weights_8.safetensors', '--kind', 'lora']);
  assert.equal(run.code, 0, run.err);
  assert.deepEqual(readTree(join(run.models, 'loras')), new Map([['pytorch_lora_weights_8.safetensors', lora(8)]]));
});

test('a connection cut mid-file is resumed with a Range request: same bytes, one run', async () => {
  hub.cut(sha(UNET), 500_000, 1);
  const seen = hub.log.length;
  const run = await pull(['loom/tiny-sd15', 'unet/model.onnx', '--kind', 'checkpoint']);
  assert.equal(run.code, 0, run.err);
  assert.ok(readFileSync(join(run.models, 'checkpoints', 'model.onnx')).equals(UNET));
  assert.ok(
    hub.log.slice(seen).some((r) => r.host === 'cdn' && r.range === 'bytes=500000-'),
    'the retry asked only for the rest',
  );
});

test('a pull that keeps failing leaves only a .part file; the next run resumes it to the same bytes', async () => {
  hub.cut(sha(UNET), 300_000, 3);
  const first = await pull(['loom/tiny-sd15', 'unet/model.onnx', '--kind', 'checkpoint']);
  assert.equal(first.code, 1);
  assert.match(first.err, /connection keeps failing.*run the same command again to resume/s);
  const dest = join(first.models, 'checkpoints', 'model.onnx');
  assert.ok(!existsSync(dest), 'no partial file under its final name');
  assert.equal(statSync(`${dest}.part`).size, 300_000);
  const seen = hub.log.length;
  const second = await pullInto(first.models, ['loom/tiny-sd15', 'unet/model.onnx', '--kind', 'checkpoint']);
  assert.equal(second.code, 0, second.err);
  assert.deepEqual(
    hub.log
      .slice(seen)
      .filter((r) => r.host === 'cdn')
      .map((r) => r.range),
    ['bytes=300000-'],
  );
  assert.match(second.err, /resumed at 300\.0 KB/);
  assert.ok(readFileSync(dest).equals(UNET));
  assert.ok(!existsSync(`${dest}.part`));
});

test('a checksum mismatch refuses the file and removes it', async () => {
  const bytes = lora(16);
  hub.corrupt(sha(bytes));
  const run = await pull(['loom/tiny-lora', 'pytorch_lora_weights_16.safetensors', '--kind', 'lora']);
  assert.equal(run.code, 1);
  assert.match(run.err, /checksum mismatch .*the hub says [0-9a-f]{64}.*removed/);
  assert.deepEqual(readdirSync(join(run.models, 'loras')), []);
});

test('401 without a token names HF_TOKEN; the token is sent to the hub and never to the CDN', async () => {
  const denied = await pull(['loom/private-lora']);
  assert.equal(denied.code, 1);
  assert.match(denied.err, /access denied \(HTTP 401\).*HF_TOKEN/);
  const seen = hub.log.length;
  const allowed = await pull(['loom/private-lora'], { HF_TOKEN: 'hf_secret' });
  assert.equal(allowed.code, 0, allowed.err);
  assert.ok(readFileSync(join(allowed.models, 'loras', 'pytorch_lora_weights_4.safetensors')).equals(lora(4)));
  const requests = hub.log.slice(seen);
  assert.ok(requests.filter((r) => r.host === 'hub').every((r) => r.auth === 'Bearer hf_secret'));
  assert.ok(requests.filter((r) => r.host === 'cdn').every((r) => r.auth === undefined));
});

test('404s name what is missing; usage errors exit 2', async () => {
  const repo = await pull(['loom/nope']);
  assert.equal(repo.code, 1);
  assert.match(repo.err, /loom\/nope: not found .*HTTP 404.*owner\/name/);
  const file = await pull(['loom/tiny-lora', 'missing.safetensors', '--kind', 'lora']);
  assert.equal(file.code, 1);
  assert.match(file.err, /has no file "missing\.safetensors"; its weight files: pytorch_lora_weights_16\.safetensors/);
  const url = await pull([`${hub.cdn}/${'0'.repeat(64)}/gone.safetensors`, '--kind', 'lora']);
  assert.equal(url.code, 1);
  assert.match(url.err, /HTTP 404, no such file/);
  assert.equal((await pull([])).code, 2);
  assert.equal((await pull(['loom/tiny-lora', '--kind', 'bogus'])).code, 2);
  const ambiguous = await pull(['loom/mystery']);
  assert.equal(ambiguous.code, 2);
  assert.match(ambiguous.err, /cannot tell what kind of model.*weights\.safetensors: unknown.*--kind/);
});

test('a plain URL downloads with resume into its kind folder; its kind is read from the header', async () => {
  const bytes = lora(8);
  hub.cut(sha(bytes), 20_000, 1);
  const run = await pull([`${hub.cdn}/repos/plain/${sha(bytes)}/pytorch_lora_weights_8.safetensors`, '--sha256', sha(bytes)]);
  assert.equal(run.code, 0, run.err);
  assert.ok(readFileSync(join(run.models, 'loras', 'pytorch_lora_weights_8.safetensors')).equals(bytes));
});

test('a server that ignores Range gets a fresh start, never an appended copy', async () => {
  const bytes = lora(4);
  hub.ignoreRange(sha(bytes));
  const models = mkdtempSync(join(work, 'models-'));
  mkdirSync(join(models, 'loras'));
  writeFileSync(join(models, 'loras', 'pytorch_lora_weights_4.safetensors.part'), bytes.subarray(0, 1000));
  const run = await pullInto(models, [`${hub.cdn}/${sha(bytes)}/pytorch_lora_weights_4.safetensors`, '--kind', 'lora', '--sha256', sha(bytes)]);
  assert.equal(run.code, 0, run.err);
  assert.match(run.err, /got 31\.0 KB/);
  assert.deepEqual(readTree(join(models, 'loras')), new Map([['pytorch_lora_weights_4.safetensors', bytes]]));
});

test('a full disk fails clearly and leaves no file under its final name', (t) => {
  const mountPoint = mkdtempSync(join(work, 'tmpfs-'));
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mountPoint]);
  if (mounted.status !== 0) {
    if (process.env.LOOM_REQUIRE_SYSTEM_DEPS === '1') assert.fail(`mount -t tmpfs failed: ${mounted.stderr}`);
    t.skip('cannot mount a 256 KB tmpfs here (needs root and mount permission)');
    return;
  }
  return (async () => {
    try {
      mkdirSync(join(mountPoint, 'models'));
      writeFileSync(join(mountPoint, 'models', '.keep'), '');
      const run = await pullInto(join(mountPoint, 'models'), ['loom/tiny-sd15', 'unet/model.onnx', '--kind', 'checkpoint']);
      assert.equal(run.code, 1);
      assert.match(run.err, /the disk is full after \d+ bytes\. Free some space and run the same command again/);
      assert.ok(!existsSync(join(mountPoint, 'models', 'checkpoints', 'model.onnx')));
    } finally {
      spawnSync('umount', [mountPoint]);
    }
  })();
});
