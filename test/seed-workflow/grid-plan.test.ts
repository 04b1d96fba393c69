/** Comparison plan, Markdown and label wrapping: pure functions, expected values written by hand. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cellFileName, planGrid, type Variant } from '../../packages/nodes/src/sd/grid/plan.ts';
import { gridMarkdown } from '../../packages/nodes/src/sd/grid/markdown.ts';
import { ROW_LABEL_CHARS, shortenPrompt } from '../../packages/nodes/src/sd/grid/labels.ts';
import { cellGraph } from '../../packages/nodes/src/sd/grid/cell-graph.ts';
import type { Graph } from '@loom/engine';
import { cellOrigin, gridLayout, wrapLabel } from '../../packages/nodes/src/sd/grid/render.ts';
import { loraPatternOf, parseIntList, parseVariant, rankVariants } from '../../packages/server/src/cli/compare-args.ts';

const variants: Variant[] = [
  { label: 'base', rank: 0, set: { strength: 0 } },
  { label: 'lora-4', rank: 4, set: { lora: 'x_4.safetensors', strength: 1 } },
];

test('cells: variant-major order, rows = prompts × seeds, bindings and seed-style file names', () => {
  const plan = planGrid(variants, ['a cat', 7], [11, 12]);
  assert.equal(plan.cells.length, 2 * 2 * 2);
  assert.deepEqual(plan.rows, [
    { index: 0, seed: 11, prompt: 'a cat' },
    { index: 1, seed: 12, prompt: 'a cat' },
    { index: 2, seed: 11, prompt: 7 },
    { index: 3, seed: 12, prompt: 7 },
  ]);
  assert.deepEqual(
    plan.cells.map((c) => c.file),
    ['r00-0000.png', 'r00-0001.png', 'r00-0002.png', 'r00-0003.png', 'r04-0000.png', 'r04-0001.png', 'r04-0002.png', 'r04-0003.png'],
  );
  assert.deepEqual(plan.cells[0]?.bindings, { strength: 0, seed: 11, prompt: 'a cat' });
  assert.deepEqual(plan.cells[7]?.bindings, { lora: 'x_4.safetensors', strength: 1, seed: 12, promptSeed: 7 });
  assert.deepEqual(
    plan.cells.map((c) => c.order),
    [1, 2, 3, 4, 5, 6, 7, 8],
  );
  assert.equal(cellFileName(16, 123), 'r16-0123.png');
  // No axes: one cell per variant, no bindings beyond the variant's; no variants: the graph as is.
  assert.deepEqual(planGrid([], [], []).cells, [{ order: 1, variant: 0, row: 0, bindings: {}, file: 'r00-0000.png' }]);
  assert.deepEqual(
    planGrid(
      [
        { label: 'a', set: {} },
        { label: 'b', set: {} },
      ],
      [],
      [],
    ).cells.map((c) => c.file),
    ['r00-0000.png', 'r01-0000.png'],
  );
  assert.throws(
    () =>
      planGrid(
        [
          { label: 'a', rank: 4, set: {} },
          { label: 'b', rank: 4, set: {} },
        ],
        [],
        [],
      ),
    /Two variants have rank 4/,
  );
});

test('Markdown: the seed README table (rows named by their prompt, one column per variant, image links per index) plus a legend', () => {
  const plan = planGrid(variants, [], [5, 6]);
  const md = gridMarkdown(
    plan,
    './img/',
    ['girl, red theme', undefined],
    [
      { file: 'r00-0000.png', attempts: 1 },
      { file: 'r00-0001.png', attempts: 3 },
      { file: 'r04-0000.png', attempts: 1 },
      { file: 'r04-0001.png', attempts: 2 },
    ],
    'Ranks',
  );
  assert.equal(
    md,
    [
      '# Ranks',
      '',
      '| prompt | base | lora-4 |',
      '|-|-|-|',
      '| girl, red theme · seed 5 | ![0](./img/r00-0000.png) | ![0](./img/r04-0000.png) |',
      '| row 1 · seed 6 | ![1](./img/r00-0001.png) | ![1](./img/r04-0001.png) |',
      '',
      'SafetyRetry: 4 cells checked, 2 retried (3 extra attempts): r00-0001.png 3 attempts, r04-0001.png 2 attempts.',
      '',
      '| index | seed | prompt |',
      '|-|-|-|',
      '| 0 | 5 | girl, red theme |',
      '| 1 | 6 |  |',
      '',
      '| variant | rank | bindings |',
      '|-|-|-|',
      '| base | 0 | strength=0 |',
      '| lora-4 | 4 | lora=x_4.safetensors, strength=1 |',
      '',
    ].join('\n'),
  );
  assert.match(gridMarkdown(planGrid([{ label: 'a|b', set: {} }], ['x|y'], []), '.'), /\| a\\\|b \|[\s\S]*\| x\\\|y \|/);
  assert.match(gridMarkdown(plan, '.'), /^SafetyRetry: not in the graph/m);
  assert.match(gridMarkdown(plan, '.', [], [{ file: 'r00-0000.png', attempts: 1 }]), /^SafetyRetry: 1 cells checked, all passed on the first attempt\.$/m);
});

test('row labels: the prompt shortened at a word boundary', () => {
  assert.equal(shortenPrompt('small  red circle,\non the left'), 'small red circle, on the left');
  const long = 'masterpiece, best quality, a very detailed small red circle on the left of a wide plain field';
  const short = shortenPrompt(long);
  assert.equal(short, 'masterpiece, best quality, a very detailed…');
  assert.ok(short.length <= ROW_LABEL_CHARS);
});

test('layout arithmetic and label wrapping', () => {
  const layout = gridLayout(4, 10, 64, 64);
  // font = clamp(round(64/10), 10, 28) = 10; header 30; label column 70; width 70 + 4·68 + 4; height 30 + 10·68 + 4.
  assert.deepEqual([layout.font, layout.header, layout.labelWidth, layout.width, layout.height], [10, 30, 70, 346, 714]);
  assert.deepEqual(cellOrigin(layout, 2, 3), { left: 70 + 4 + 3 * 68, top: 30 + 4 + 2 * 68 });
  assert.deepEqual(gridLayout(2, 1, 512, 768).font, 28);
  assert.deepEqual(wrapLabel('tiny-sd15 lora 16', 10, 2), ['tiny-sd15', 'lora 16']);
  assert.deepEqual(wrapLabel('dreamshaper-genshin-lora-16', 10, 2), ['dreamshape', 'r-genshin…']);
  assert.deepEqual(wrapLabel('short', 10, 3), ['short']);
});

test('CLI axes: --variant specs, --ranks with a LoRA pattern, integer lists', () => {
  assert.deepEqual(parseVariant('base@0:strength=0'), { label: 'base', rank: 0, set: { strength: 0 } });
  assert.deepEqual(parseVariant('cfg 4:cfg=4.5,sampler=dpmpp_2m'), { label: 'cfg 4', set: { cfg: 4.5, sampler: 'dpmpp_2m' } });
  assert.deepEqual(parseVariant('plain'), { label: 'plain', set: {} });
  assert.throws(() => parseVariant('x@abc'), /LABEL\[@RANK\]/);
  assert.throws(() => parseVariant('x:strength'), /not NAME=VALUE/);
  assert.equal(loraPatternOf('dreamshaper-genshin/pytorch_lora_weights_8.safetensors'), 'dreamshaper-genshin/pytorch_lora_weights_{rank}.safetensors');
  assert.equal(loraPatternOf('style.safetensors'), undefined);
  assert.deepEqual(rankVariants([0, 4], 'l/w_{rank}.safetensors', 'dreamshaper-onnx'), [
    { label: 'dreamshaper-onnx', rank: 0, set: { strength: 0 } },
    { label: 'dreamshaper-onnx-lora-4', rank: 4, set: { lora: 'l/w_4.safetensors', strength: 1 } },
  ]);
  assert.deepEqual(parseIntList('1,5-7, 9', '--seeds'), [1, 5, 6, 7, 9]);
  assert.throws(() => parseIntList('a', '--seeds'), /not a whole number/);
});

test('cell graph: bindings written into primitives (a Seed fixed) or inlined, the grid replaced by SaveImage', () => {
  const graph: Graph = {
    version: 1,
    meta: { title: 't' },
    nodes: {
      seed: { type: 'Seed', inputs: { seed: 1, mode: 'random' } },
      pick: { type: 'PromptLibrary', inputs: { library: 'p.json', set: 's' } },
      use: { type: 'X', inputs: { seed: { node: 'seed', output: 'seed' }, text: { node: 'pick', output: 'positive' } } },
      grid: {
        type: 'ComparisonGrid',
        inputs: { images: { node: 'use', output: 'images' }, seed: { node: 'seed', output: 'seed' }, prompt: { node: 'pick', output: 'positive' } },
      },
    },
  };
  const cell = cellGraph(graph, 'grid', { seed: 7, prompt: 'red' }, 'cmp/rerun/r00-0000', 'Cell r00-0000.png of t');
  assert.deepEqual(cell.nodes.seed?.inputs, { seed: 7, mode: 'fixed' });
  assert.deepEqual(cell.nodes.use?.inputs, { seed: { node: 'seed', output: 'seed' }, text: 'red' });
  assert.equal(cell.nodes.grid, undefined);
  assert.deepEqual(cell.nodes.save, { type: 'SaveImage', inputs: { images: { node: 'use', output: 'images' }, filenamePrefix: 'cmp/rerun/r00-0000' } });
  assert.equal(cell.meta?.title, 'Cell r00-0000.png of t');
  assert.equal(graph.nodes.seed?.inputs.seed, 1, 'the run graph is untouched');
});
