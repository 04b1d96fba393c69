/** run-graph through real processes: exit codes, --set, --json, SIGINT. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'loom-cli-'));
const file = (name: string, content: unknown): string => {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
};

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], options: { stubs?: boolean; onStdout?: (text: string, kill: () => void) => void } = {}): Promise<Outcome> {
  const entry = options.stubs
    ? ['--import', import.meta.resolve('tsx'), join(root, 'test/helpers/run-graph-with-stubs.ts')]
    : [join(root, 'packages/server/bin/run-graph.js')];
  const child = spawn(process.execPath, [...entry, ...args], { cwd: dir, env: { ...process.env, LOOM_MODELS: join(root, 'models') } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    options.onStdout?.(stdout, () => child.kill('SIGINT'));
  });
  child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

const hello = {
  version: 1,
  nodes: {
    name: { type: 'String', inputs: { value: 'loom' } },
    fmt: { type: 'StringFormat', inputs: { template: 'hello {a}', a: { node: 'name', output: 'value' } } },
    show: { type: 'ShowText', inputs: { text: { node: 'fmt', output: 'text' } } },
  },
};

test('runs a graph and exits 0; --set is parsed by the parameter schema', async () => {
  const graph = file('hello.json', hello);
  const plain = await run([graph]);
  assert.equal(plain.code, 0, plain.stderr);
  assert.match(plain.stdout, /^hello loom$/m);
  const set = await run([graph, '--set', 'name.value=world', '--quiet']);
  assert.equal(set.code, 0);
  assert.equal(set.stdout.trim(), 'hello world');
  assert.equal(set.stderr, '', '--quiet prints no progress');
});

test('--device auto without a usable GPU says nothing; --quiet prints only the written files', async () => {
  // Before: Dawn's native Vulkan warning (from probing WebGPU) and "No GPU execution provider works here".
  const graph = join(root, 'graphs/tiny-sd15-txt2img.json');
  const quiet = await run([graph, '--device', 'auto', '--quiet', '--set', 'sampler.steps=2']);
  assert.equal(quiet.code, 0, quiet.stderr);
  assert.equal(quiet.stderr, '');
  assert.match(quiet.stdout, /^wrote \S+tiny-sd15_\d+\.png\n$/);
  const plain = await run([graph, '--device', 'auto', '--set', 'sampler.steps=2']);
  assert.equal(plain.code, 0, plain.stderr);
  assert.match(plain.stderr, /UNetSampler "sampler" done/);
  assert.doesNotMatch(plain.stderr, /warning|vulkan/i);
});

test('accepts ComfyUI API-format files', async () => {
  const prompt = {
    '1': { class_type: 'String', inputs: { value: 'api' } },
    '2': { class_type: 'ShowText', inputs: { text: ['1', 0] } },
  };
  const outcome = await run([file('api.json', { prompt })]);
  assert.equal(outcome.code, 0, outcome.stderr);
  assert.match(outcome.stdout, /^api$/m);
});

test('--json streams newline-delimited events', async () => {
  const outcome = await run([file('hello2.json', hello), '--json']);
  assert.equal(outcome.code, 0);
  const events = outcome.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { type: string; nodeId?: string });
  assert.equal(events[0]?.type, 'run.started');
  assert.equal(events.at(-1)?.type, 'run.finished');
  assert.deepEqual(
    events.filter((e) => e.type === 'node.finished').map((e) => e.nodeId),
    ['name', 'fmt', 'show'],
  );
});

test('a malformed graph exits 2 naming every bad node and input', async () => {
  const outcome = await run([
    file('bad.json', {
      version: 1,
      nodes: {
        a: { type: 'StringFormt', inputs: {} },
        b: { type: 'ShowText', inputs: { text: { node: 'zz', output: 'text' }, colour: 'red' } },
        c: { type: 'Seed', inputs: { seed: -4 } },
      },
    }),
  ]);
  assert.equal(outcome.code, 2);
  assert.match(outcome.stderr, /4 problem/);
  assert.match(outcome.stderr, /Node "a" has unknown type "StringFormt". Did you mean "StringFormat"\?/);
  assert.match(outcome.stderr, /Node "b" \(ShowText\) has no input "colour"/);
  assert.match(outcome.stderr, /Input "text" of node "b" \(ShowText\) links to node "zz", which does not exist/);
  assert.match(outcome.stderr, /Parameter "seed" of node "c" \(Seed\) is invalid: must be at least 0 \(got -4\)/);
});

test('usage errors exit 2: missing file, bad JSON, bad --set, bad option', async () => {
  const missing = await run([join(dir, 'nope.json')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /nope\.json: no such file/);
  const badJson = await run([file('broken.json', '{"version": 1,')]);
  assert.equal(badJson.code, 2);
  assert.match(badJson.stderr, /broken\.json is not valid JSON/);
  const badSet = await run([file('hello3.json', hello), '--set', 'name.nope=1']);
  assert.equal(badSet.code, 2);
  assert.match(badSet.stderr, /no parameter "nope"/);
  assert.equal((await run([])).code, 2);
  assert.equal((await run(['--device', 'tpu', 'x.json'])).code, 2);
  const badBatch = await run(['--cfg-batch', 'half', 'x.json']);
  assert.equal(badBatch.code, 2);
  assert.match(badBatch.stderr, /--cfg-batch must be one of joint, split \(got "half"\)/);
  assert.equal((await run(['--bogus'])).code, 2);
  const help = await run(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Exit codes: 0 success, 1 run failed, 2 invalid graph or usage, 130 interrupted/);
});

test('a node failure exits 1 naming the node', async () => {
  const outcome = await run(
    [
      file('fail.json', {
        version: 1,
        nodes: {
          s: { type: 'Source', inputs: {} },
          f: { type: 'Fail', inputs: { x: { node: 's', output: 'out' } } },
          o: { type: 'Collect', inputs: { a: { node: 'f', output: 'y' } } },
        },
      }),
    ],
    { stubs: true },
  );
  assert.equal(outcome.code, 1);
  assert.match(outcome.stderr, /Node "f" \(Fail\) failed: boom/);
});

test('SIGINT cancels cleanly with exit 130', async () => {
  const graph = file('slow.json', {
    version: 1,
    nodes: {
      s: { type: 'Source', inputs: {} },
      w: { type: 'Slow', inputs: { x: { node: 's', output: 'out' }, ms: 10_000, steps: 1000 } },
      o: { type: 'Collect', inputs: { a: { node: 'w', output: 'y' } } },
    },
  });
  let sent = false;
  const outcome = await run([graph, '--json'], {
    stubs: true,
    onStdout: (text, kill) => {
      if (!sent && text.includes('"node.progress"')) {
        sent = true;
        kill();
      }
    },
  });
  assert.equal(outcome.code, 130, outcome.stderr);
  assert.match(outcome.stdout, /"run.cancelled"/);
  assert.match(outcome.stderr, /cancelled/i);
});

test('bad input on a real model graph is refused at validation, before any node runs (exit 2)', async () => {
  const graph = join(root, 'graphs/tiny-sd15-txt2img.json');
  // tiny-sd15's UNet has two down blocks: latents halve once, so images need multiples of 16.
  const size = await run([graph, '--json', '--set', 'latent.width=72', '--set', 'latent.height=64']);
  assert.equal(size.code, 2, size.stderr);
  assert.match(size.stderr, /Image size 72×64 does not fit the UNet of "tiny-sd15".*multiples of 16\. Nearest sizes: width 72 → 64 or 80\./);
  // eslint-disable-next-line no-control-regex -- ESC starts the colour codes this asserts are absent
  assert.doesNotMatch(size.stderr, /\x1b\[|Concat/);
  assert.doesNotMatch(size.stdout, /node\.started/);
  const prefix = await run([graph, '--json', '--set', 'save.filenamePrefix=../escape']);
  assert.equal(prefix.code, 2, prefix.stderr);
  assert.match(prefix.stderr, /filenamePrefix.*"\.\.\/escape" must stay inside its folder/);
  assert.doesNotMatch(prefix.stdout, /node\.started/);
  const lora = await run([join(root, 'graphs/tiny-sd15-lora-r4.json'), '--json', '--set', 'lora.lora=tiny-sd15/pytorch_lora_weights_32.safetensors']);
  assert.equal(lora.code, 2, lora.stderr);
  assert.match(lora.stderr, /LoRA file .*pytorch_lora_weights_32\.safetensors does not exist/);
  assert.doesNotMatch(lora.stdout, /node\.started/);
  const steps = await run([graph, '--set', 'sampler.steps=abc']);
  assert.equal(steps.code, 2);
  assert.match(steps.stderr, /Parameter "steps" of node "sampler" \(UNetSampler\) is invalid: must be a number \(got "abc"\)/);
});
