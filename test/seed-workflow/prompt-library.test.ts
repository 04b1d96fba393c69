/**
 * The prompt library: CPython-exact picks (expected indices printed by CPython 3.11:
 * `random.seed(s); [random.randrange(n) for n in sizes]`), the seed playground's files (committed
 * copies in test/fixtures/upstream), our prompts.json and its generated schema, and the node.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Graph } from '@loom/engine';
import { PyRandom } from '../../packages/nodes/src/sd/prompt-library/py-random.ts';
import { parsePromptLibrary, promptLibraryJsonSchema } from '../../packages/nodes/src/sd/prompt-library/schema.ts';
import { composePrompt, promptSet } from '../../packages/nodes/src/sd/prompt-library/compose.ts';
import { testHost, link, root, upstreamFixtures } from './helpers/host.ts';

const readJson = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8'));

test('PyRandom reproduces CPython: raw 32-bit outputs and choice indices, small and large seeds', () => {
  const cpython: [number, number[], number[]][] = [
    [0, [3626764237, 1654615998, 3255389356], [1, 6, 0, 2, 16, 15]],
    [1, [577090037, 2444712010, 3639700191], [0, 1, 1, 0, 15, 14]],
    [1234, [4150886329, 3342196574, 1892932127], [1, 1, 0, 0, 25, 18]],
    [2 ** 32 + 5, [675479763, 2085189291, 1213270837], [0, 7, 1, 4, 26, 0]],
    [Number.MAX_SAFE_INTEGER, [404802386, 2407860725, 957238923], [0, 3, 0, 1, 3, 3]],
  ];
  for (const [seed, words, choices] of cpython) {
    const raw = new PyRandom(seed);
    assert.deepEqual([raw.nextUint32(), raw.nextUint32(), raw.nextUint32()], words, `seed ${seed}`);
    const pick = new PyRandom(seed);
    assert.deepEqual(
      [2, 8, 3, 5, 27, 20].map((n) => pick.choice([...Array(n).keys()])),
      choices,
      `seed ${seed}`,
    );
  }
});

test('reads the seed playground format and composes prompts as its script did', () => {
  for (const model of ['dreamshaper', 'sd_xl']) {
    const file = join(upstreamFixtures, 'seed-playground', model, 'prompts.json');
    const raw = readJson(file) as { major: string[]; combinations: string[][]; positives: string[]; negatives: string[] };
    const library = parsePromptLibrary(raw, file);
    assert.equal(library.format, 'seed');
    const set = promptSet(library, '', file);
    // CPython: random.seed(s); [random.randrange(n) for n in (2, 8)] (the seed's combination sizes).
    for (const [seed, [a, b]] of [
      [0, [1, 6]],
      [7, [1, 2]],
      [1234, [1, 1]],
      [99, [1, 6]],
    ] as const) {
      const { positive, negative } = composePrompt(set, seed);
      const selected = [raw.combinations[0]![a]!, raw.combinations[1]![b]!];
      // text_to_image_lora.py: f"{', '.join(selected)}, {', '.join(major + positives)}"
      assert.equal(positive, `${selected.join(', ')}, ${[...raw.major, ...raw.positives].join(', ')}`);
      assert.equal(negative, raw.negatives.join(', '));
    }
  }
});

test('our prompts.json: valid, deterministic per seed, CPython picks, varied across seeds; schema in sync', () => {
  const json = readJson(join(root, 'prompts.json'));
  const library = parsePromptLibrary(json, 'prompts.json');
  assert.equal(library.format, 'loom');
  const portrait = promptSet(library, 'portrait', 'prompts.json');
  assert.deepEqual(
    portrait.pick.map((g) => g.options.length),
    [8, 8, 6, 5],
    'the group sizes the CPython indices below assume',
  );
  for (const [seed, indices] of [
    [0, [6, 6, 0, 2]],
    [7, [5, 2, 3, 0]],
    [1234, [7, 1, 0, 0]],
    [99, [6, 6, 1, 4]],
  ] as const) {
    const { picks, positive } = composePrompt(portrait, seed, '(loom style)');
    assert.deepEqual(
      Object.values(picks),
      portrait.pick.map((g, i) => g.options[indices[i] as number]),
    );
    assert.equal(positive, [...Object.values(picks), '(loom style)', ...portrait.fixed, ...portrait.positives].join(', '));
    assert.deepEqual(composePrompt(portrait, seed, '(loom style)'), composePrompt(portrait, seed, '(loom style)'));
  }
  const subjects = new Set(Array.from({ length: 40 }, (_, s) => composePrompt(portrait, s).picks.subject));
  assert.equal(subjects.size, 8, '40 seeds reach every subject');
  assert.deepEqual(readJson(join(root, 'prompts.schema.json')), JSON.parse(JSON.stringify(promptLibraryJsonSchema())), 'regenerate with write-schema.ts');
  assert.throws(() => parsePromptLibrary({ version: 1, sets: { Bad: {} } }, 'x.json'), /x\.json is neither.*sets/);
  assert.throws(() => promptSet(library, 'nope', 'prompts.json'), /no prompt set "nope".*"portrait", "landscape"/);
});

test('PromptLibrary node: strings for a linked seed; the seed format from a project folder; safe paths', async () => {
  const host = testHost();
  const graph = (inputs: Record<string, unknown>): Graph => ({
    version: 1,
    nodes: {
      seed: { type: 'Seed', inputs: { seed: 1234 } },
      prompts: { type: 'PromptLibrary', inputs: { seed: link('seed', 'seed'), ...inputs } },
      show: { type: 'ShowText', inputs: { text: link('prompts', 'positive') } },
      showNeg: { type: 'ShowText', inputs: { text: link('prompts', 'negative') } },
    },
  });
  const library = parsePromptLibrary(readJson(join(root, 'prompts.json')), 'prompts.json');
  const expected = composePrompt(promptSet(library, '', ''), 1234);
  const result = await host.run(graph({}));
  assert.deepEqual(result.outputs.get('prompts'), { positive: expected.positive, negative: expected.negative });
  assert.deepEqual(result.ui.show, { text: [expected.positive] });
  await assert.rejects(host.run(graph({ library: '../etc/passwd' })), /inside/);
  await assert.rejects(host.run(graph({ set: 'nope' })), (err: Error & { input?: string }) => err.input === 'set');

  // A project folder holding a seed-format file (content copied from the committed seed playground file).
  const project = join(host.dir, 'project');
  mkdirSync(join(project, 'models'), { recursive: true });
  const seedFile = readFileSync(join(upstreamFixtures, 'seed-playground/dreamshaper/prompts.json'), 'utf8');
  writeFileSync(join(project, 'seed-prompts.json'), seedFile);
  const other = testHost([], { modelsDir: join(project, 'models') });
  const seeded = await other.run(graph({ library: 'seed-prompts.json' }));
  const raw = JSON.parse(seedFile) as { major: string[]; combinations: string[][]; positives: string[] };
  assert.equal(
    (seeded.outputs.get('prompts') as { positive: string }).positive,
    `${raw.combinations[0]![1]}, ${raw.combinations[1]![1]}, ${[...raw.major, ...raw.positives].join(', ')}`,
  );
});
