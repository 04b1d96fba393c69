/**
 * SafetyRetry on the real (tiny) diffusers-script safety checker. Which images it flags is fixed by
 * models/safety_checker/trigger.json, so expected verdicts come from that rule, not from our code.
 */
import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Graph, RunResult } from '@loom/engine';
import type { ImageBatch } from '@loom/nodes';
import { testHost, link, modelsDir } from './helpers/host.ts';
import { SeededImage, Sink, runs, FLAGGED_RGB, SAFE_RGB } from './helpers/test-nodes.ts';
import type { SafetyProvenance } from '../../packages/nodes/src/sd/safety/retry.ts';

const host = testHost([SeededImage, Sink]);
beforeEach(() => runs.clear());

const trigger = JSON.parse(readFileSync(join(modelsDir, 'safety_checker/trigger.json'), 'utf8')) as { examples: { rgb: number[]; flagged: boolean }[] };

function retryGraph(source: Record<string, unknown>, retry: Record<string, unknown> = {}): Graph {
  return {
    version: 1,
    nodes: {
      seed: { type: 'Seed', inputs: { seed: 5 } },
      gen: { type: 'SeededImage', inputs: { seed: link('seed', 'seed'), ...source } },
      retry: { type: 'SafetyRetry', inputs: { images: link('gen', 'images'), seed: link('seed', 'seed'), ...retry } },
      out: { type: 'Sink', inputs: { images: link('retry', 'images') } },
    },
  };
}

const retryOut = (result: RunResult) => result.outputs.get('retry') as { images: ImageBatch; seed: number; attempts: number };
const report = (result: RunResult) => (retryOut(result).images.meta as SafetyProvenance).safety;
const pixelAt = (images: ImageBatch, index: number, y: number, x: number): number[] => {
  const at = ((index * images.shape[1] + y) * images.shape[2] + x) * 3;
  return Array.from(images.pixels.subarray(at, at + 3));
};
const near = (actual: number[], expected: readonly number[], tolerance: number, what: string) =>
  actual.forEach((v, c) => assert.ok(Math.abs(v - (expected[c] as number)) <= tolerance, `${what}: channel ${c} is ${v}, expected ${expected[c]}`));

test('the checker flags exactly the trigger.json examples, whatever the image size (resize + center crop)', async () => {
  for (const size of [64, 224, 300]) {
    for (const { rgb, flagged } of trigger.examples) {
      const result = await host.run(retryGraph({ colour: rgb, size }, { maxAttempts: 1 }));
      const attempt = report(result).attempts[0];
      assert.equal(attempt?.flagged, flagged, `rgb ${rgb.join(',')} at ${size}px`);
      assert.equal(attempt?.reason, flagged ? 'flagged' : 'ok');
    }
  }
});

test('flagged and black images are retried with seed + k; every attempt is recorded in meta and ui', async () => {
  const result = await host.run(retryGraph({ bad: [5, 6], black: [7] }));
  const { images, seed, attempts } = retryOut(result);
  assert.equal(attempts, 4);
  assert.equal(seed, 8);
  assert.equal(runs.get('gen'), 4, 'the upstream ran once per attempt');
  const safety = report(result);
  assert.deepEqual(
    safety.attempts.map((a) => [a.attempt, a.seed, a.flagged, a.black, a.reason]),
    [
      [1, 5, true, false, 'flagged'],
      [2, 6, true, false, 'flagged'],
      [3, 7, false, true, 'black'],
      [4, 8, false, false, 'ok'],
    ],
  );
  assert.deepEqual(safety.outcome, ['passed']);
  assert.equal(images.meta.seed, 8);
  near(pixelAt(images, 0, 10, 10), SAFE_RGB, 1e-6, 'kept image');
  assert.deepEqual((result.ui.retry?.attempts as unknown[]).length, 4);
});

test('seedStride sets how seeds advance; a passing first attempt runs the upstream once', async () => {
  const strided = await host.run(retryGraph({ bad: [5, 105] }, { seedStride: 100 }));
  assert.deepEqual(
    report(strided).attempts.map((a) => a.seed),
    [5, 105, 205],
  );
  runs.clear();
  const clean = await host.run(retryGraph({ bad: [], size: 48 }, { seedStride: 3 }));
  assert.equal(retryOut(clean).attempts, 1);
  assert.equal(runs.get('gen'), 1);
});

test('all-fail policy keep: the checker’s black image after maxAttempts', async () => {
  const result = await host.run(retryGraph({ allBad: true }, { maxAttempts: 3, policy: 'keep' }));
  const { images, attempts } = retryOut(result);
  assert.equal(attempts, 3);
  assert.deepEqual(report(result).outcome, ['kept-black']);
  assert.deepEqual(
    report(result).attempts.map((a) => a.seed),
    [5, 6, 7],
  );
  assert.ok(
    images.pixels.every((v) => v === 0),
    'flagged images are zeroed by the checker',
  );
});

test('all-fail policy blur: the last attempt blurred (a 2-column pattern averages out, the mean is kept)', async () => {
  const result = await host.run(retryGraph({ allBad: true, stripes: true }, { maxAttempts: 2, policy: 'blur', blurSigma: 8 }));
  const { images } = retryOut(result);
  assert.deepEqual(report(result).outcome, ['blurred']);
  // Columns alternate (0.9, 0.3, 0.2) and (1, 0, 0): a Gaussian much wider than the period leaves their mean.
  const mean = [0.95, 0.15, 0.1];
  for (const [y, x] of [
    [32, 32],
    [32, 33],
    [5, 40],
  ] as const)
    near(pixelAt(images, 0, y, x), mean, 0.01, `pixel ${y},${x}`);
  assert.notDeepEqual(pixelAt(images, 0, 32, 32), [...FLAGGED_RGB], 'not the unblurred image');
});

test('all-fail policy fail: the node fails and names every attempt', async () => {
  await assert.rejects(
    host.run(retryGraph({ allBad: true }, { maxAttempts: 2, policy: 'fail' })),
    /failed the safety check in all 2 attempts \(seed 5: flagged; seed 6: flagged\)/,
  );
});

test('a retry needs a linked seed: a literal one is a clear error', async () => {
  const graph = retryGraph({ bad: [5] });
  (graph.nodes.retry as { inputs: Record<string, unknown> }).inputs.seed = 5;
  await assert.rejects(host.run(graph), /link `seed` from the Seed node/);
});

test('a linked prompt seed advances with the seed, so the prompt is re-picked on retries', async () => {
  const graph = retryGraph({ bad: [5, 6], promptSeed: link('pseed', 'value') }, { promptSeed: link('pseed', 'value') });
  graph.nodes.pseed = { type: 'Int', inputs: { value: 40 } };
  const result = await host.run(graph);
  const attempts = report(result).attempts;
  assert.deepEqual(
    attempts.map((a) => [a.seed, a.promptSeed, a.prompt]),
    [
      [5, 40, 'prompt #40'],
      [6, 41, 'prompt #41'],
      [7, 42, 'prompt #42'],
    ],
  );
  assert.equal(retryOut(result).images.meta.prompt, 'prompt #42', 'the kept image carries the prompt it was made with');
});

test('in a batch, only failing images are replaced, from the same retry evaluation', async () => {
  const result = await host.run(retryGraph({ batch: 2, bad: ['5/1'] }));
  const { images, attempts } = retryOut(result);
  assert.equal(attempts, 2);
  assert.deepEqual(
    report(result).attempts.map((a) => [a.image, a.seed, a.reason]),
    [
      [0, 5, 'ok'],
      [1, 5, 'flagged'],
      [1, 6, 'ok'],
    ],
  );
  near(pixelAt(images, 1, 3, 3), SAFE_RGB, 1e-6, 'replaced image');
});

test('checker: auto falls back to models/safety_checker; a named folder must exist', async () => {
  const missing = retryGraph({}, { checker: 'no-such-checker' });
  await assert.rejects(host.run(missing), (err: Error & { input?: string }) => err.input === 'checker' && /no-such-checker/.test(err.message));
  await assert.rejects(host.run(retryGraph({}, { checker: '../outside' })), /inside/);
  const named = await host.run(retryGraph({ bad: [5] }, { checker: 'safety_checker' }));
  assert.equal(retryOut(named).seed, 6);
});

test('on the tiny SD1.5 pipeline (graphs/dreamshaper.json): the kept image is the plain generation at the kept seed', async () => {
  const { applySetting } = await import('@loom/engine');
  const template = JSON.parse(readFileSync(join(modelsDir, '../graphs/dreamshaper.json'), 'utf8')) as Graph;
  const settings = ['loader.pipeline=tiny-sd15', 'latent.width=64', 'latent.height=64', 'sampler.steps=2', 'safety.maxAttempts=3'];
  const graph = settings.reduce((g, s) => applySetting(g, host.registry, s), template);
  const result = await host.run(graph);
  const kept = (result.outputs.get('safety') as { images: ImageBatch; seed: number }).images;
  const safety = (kept.meta as SafetyProvenance).safety;
  assert.equal(safety.attempts[0]?.seed, 1234);
  assert.deepEqual(
    safety.attempts.map((a) => a.seed),
    safety.attempts.map((_, k) => 1234 + k),
    'seeds advance by one',
  );
  for (const attempt of safety.attempts) assert.equal(attempt.prompt === undefined, false, 'each attempt records its prompt');
  const seed = (result.outputs.get('safety') as { seed: number }).seed;
  // The same graph without the retry node: save takes the decoded image directly.
  const withSeed = applySetting(graph, host.registry, `seed.seed=${seed}`);
  const { safety: _dropped, ...nodes } = withSeed.nodes;
  const plain: Graph = { ...withSeed, nodes: { ...nodes, save: { type: 'SaveImage', inputs: { images: link('decode', 'images'), filenamePrefix: 'plain' } } } };
  const again = await host.run(plain);
  const decoded = (again.outputs.get('decode') as { images: ImageBatch }).images;
  if (safety.outcome[0] === 'passed') assert.deepEqual(kept.pixels, decoded.pixels);
  else assert.ok(kept.pixels.every((v) => v === 0));
  assert.equal(kept.meta.prompt, decoded.meta.prompt, 'the prompt re-picked for the kept seed');
});
