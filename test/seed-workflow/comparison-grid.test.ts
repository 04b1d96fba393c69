/**
 * The comparison grid on the tiny SD1.5 pipeline (graphs/compare-tiny-sd15-lora-ranks.json, made
 * small with --set-style settings): grid size and placement, labels drawn, files and Markdown, model
 * loads per variant (not per cell), text encodings per prompt (not per seed), progress, and that every
 * cell equals a plain run of the same graph with the cell's values written in.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import sharp from 'sharp';
import { applySetting, type EngineEvent, type Graph } from '@loom/engine';
import { CountingObjectStore, readPngText, type ImageBatch } from '@loom/nodes';
import { cellOrigin, gridLayout } from '../../packages/nodes/src/sd/grid/render.ts';
import { testHost, root } from './helpers/host.ts';

const template = JSON.parse(readFileSync(join(root, 'graphs/compare-tiny-sd15-lora-ranks.json'), 'utf8')) as Graph;
const variants = [
  { label: 'base', rank: 0, set: { strength: 0 } },
  { label: 'lora-4', rank: 4, set: { lora: 'tiny-sd15/pytorch_lora_weights_4.safetensors', strength: 1 } },
  { label: 'lora-8', rank: 8, set: { lora: 'tiny-sd15/pytorch_lora_weights_8.safetensors', strength: 1 } },
];
const prompts = [3, 4];
const seeds = [21, 22];

const objects = new CountingObjectStore(8 * 1024 ** 3);
const host = testHost([], { objects });
const set = (graph: Graph, ...settings: string[]): Graph => settings.reduce((g, s) => applySetting(g, host.registry, s), graph);
const small = set(
  template,
  'sampler.steps=2',
  'safety.maxAttempts=1',
  `grid.variants=${JSON.stringify(variants)}`,
  `grid.prompts=${JSON.stringify(prompts)}`,
  `grid.seeds=${JSON.stringify(seeds)}`,
  'grid.folder=cmp',
);
const events: EngineEvent[] = [];
const result = await host.run(small, events);
const folder = join(host.config.outputDir, 'cmp');

async function rgbOf(png: Buffer | string): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

test('grid.png: size from the layout, every cell where the layout puts it, labels drawn, gaps white', async () => {
  const layout = gridLayout(3, 4, 64, 64);
  const grid = await rgbOf(join(folder, 'grid.png'));
  // 3 variants × (2 prompts × 2 seeds) rows of 64 px cells: 70 + 3·68 + 4 by 30 + 4·68 + 4.
  assert.deepEqual([grid.width, grid.height], [278, 306]);
  const output = (result.outputs.get('grid') as { grid: ImageBatch }).grid;
  assert.deepEqual(output.shape, [1, 306, 278, 3]);
  for (const [v, rank] of [0, 4, 8].entries()) {
    for (let row = 0; row < 4; row++) {
      const cell = await rgbOf(join(folder, 'img', `r${String(rank).padStart(2, '0')}-000${row}.png`));
      const { left, top } = cellOrigin(layout, row, v);
      for (const [y, x] of [
        [0, 0],
        [31, 17],
        [63, 63],
      ] as const) {
        const g = ((top + y) * grid.width + left + x) * 3;
        const c = (y * 64 + x) * 3;
        assert.deepEqual([...grid.data.subarray(g, g + 3)], [...cell.data.subarray(c, c + 3)], `cell r${rank} row ${row} at ${y},${x}`);
      }
    }
  }
  const dark = (left: number, top: number, width: number, height: number): number => {
    let n = 0;
    for (let y = top; y < top + height; y++) for (let x = left; x < left + width; x++) if ((grid.data[(y * grid.width + x) * 3] as number) < 128) n++;
    return n;
  };
  for (let v = 0; v < 3; v++) assert.ok(dark(cellOrigin(layout, 0, v).left, 0, 64, layout.header) > 10, `header label ${v}`);
  for (let row = 0; row < 4; row++) assert.ok(dark(0, cellOrigin(layout, row, 0).top, layout.labelWidth, 64) > 10, `row label ${row}`);
  assert.equal(dark(cellOrigin(layout, 0, 0).left + 64, layout.header, layout.gap, grid.height - layout.header), 0, 'the gap between columns is white');
});

test('files r{rank:02d}-{index:04d}.png carry their cell’s parameters; README.md is the seed-style table', () => {
  for (const rank of ['00', '04', '08']) for (let i = 0; i < 4; i++) assert.ok(existsSync(join(folder, 'img', `r${rank}-000${i}.png`)));
  const text = readPngText(readFileSync(join(folder, 'img', 'r04-0003.png')));
  assert.match(text.parameters ?? '', /Seed: 22/);
  assert.match(text.parameters ?? '', /<lora:tiny-sd15\/pytorch_lora_weights_4:1>/);
  assert.doesNotMatch(readPngText(readFileSync(join(folder, 'img', 'r00-0000.png'))).parameters ?? '', /<lora:/);
  const md = readFileSync(join(folder, 'README.md'), 'utf8');
  assert.match(md, /^\| prompt \| base \| lora-4 \| lora-8 \|$/m);
  assert.match(md, /^\| [^|]+ · seed 21 \| !\[2\]\(\.\/img\/r00-0002\.png\) \| !\[2\]\(\.\/img\/r04-0002\.png\) \| !\[2\]\(\.\/img\/r08-0002\.png\) \|$/m);
  assert.match(md, /^\| 3 \| 22 \| .+\(prompt-library seed 4\) \|$/m);
  assert.match(md, /^SafetyRetry: 12 cells checked, all passed on the first attempt\.$/m);
  assert.deepEqual(result.ui.grid?.text, [md]);
  assert.deepEqual(
    (result.ui.grid?.cells as { safetyAttempts: number }[]).map((c) => c.safetyAttempts),
    Array(12).fill(1),
  );
});

test('row labels are the prompts: the Markdown names each row by the prompt its cells were made with', () => {
  const md = readFileSync(join(folder, 'README.md'), 'utf8');
  const prompt = readPngText(readFileSync(join(folder, 'img', 'r00-0002.png'))).parameters?.split('\n')[0] ?? '';
  assert.ok(prompt.length > 0);
  const label =
    md
      .split('\n')
      .find((line) => line.includes('(./img/r00-0002.png)'))
      ?.split(' | ')[0]
      ?.slice(2) ?? '';
  assert.ok(
    label.replace(/ · seed 21$/, '').replace(/…$/, '').length > 0 && prompt.startsWith(label.replace(/ · seed 21$/, '').replace(/…$/, '')),
    `${label} vs ${prompt}`,
  );
});

test('a cell PNG embeds the graph of that cell: loaded and run, it gives the same pixels', async () => {
  const png = readFileSync(join(folder, 'img', 'r08-0001.png'));
  const text = readPngText(png);
  assert.match(text.parameters ?? '', /<lora:tiny-sd15\/pytorch_lora_weights_8:1>/);
  assert.match(text.parameters ?? '', /Seed: 22/);
  const graph = JSON.parse(text.loom ?? '{}') as Graph; // Loom's own graph; `workflow` is ComfyUI's UI form of it
  assert.equal(
    Object.values(graph.nodes).some((n) => n.type === 'ComparisonGrid'),
    false,
    'no grid left',
  );
  // A fresh engine: nothing of the grid's run is in its caches.
  const fresh = testHost();
  const run = await fresh.engine.run(graph);
  const saved = (run.ui.save?.images as { filename: string; subfolder: string }[])[0];
  assert.ok(saved, 'the cell graph saves its picture');
  const rerun = await rgbOf(join(fresh.config.outputDir, saved.subfolder, saved.filename));
  const cell = await rgbOf(png);
  assert.deepEqual(rerun.data, cell.data);
  assert.equal(readPngText(readFileSync(join(fresh.config.outputDir, saved.subfolder, saved.filename))).parameters, text.parameters);
});

test('a re-run into the same folder leaves only its own cells (the user’s other files stay)', async () => {
  const one = set(small, `grid.variants=${JSON.stringify([variants[0]])}`, 'grid.prompts=[3]', 'grid.seeds=[21,22]', 'grid.folder=again', 'sampler.steps=1');
  await host.run(one);
  const again = join(host.config.outputDir, 'again');
  writeFileSync(join(again, 'notes.txt'), 'mine');
  assert.deepEqual(readdirSync(join(again, 'img')).sort(), ['r00-0000.png', 'r00-0001.png']);
  await host.run(set(one, `grid.variants=${JSON.stringify([variants[1]])}`, 'grid.seeds=[23]'));
  assert.deepEqual(readdirSync(join(again, 'img')).sort(), ['r04-0000.png']);
  assert.deepEqual(readdirSync(again).sort(), ['README.md', 'grid.png', 'img', 'notes.txt']);
  assert.doesNotMatch(readFileSync(join(again, 'README.md'), 'utf8'), /r00-/);
});

test('model loads: per variant at most, not per cell; text encodings per prompt and variant, not per seed', () => {
  const { byModel } = objects.loads();
  const loads = (part: string) =>
    Object.entries(byModel)
      .filter(([path]) => path.includes(part))
      .reduce((n, [, count]) => n + count, 0);
  // 12 cells; the UNet: one plain session (base) + one LoRA branch session shared by both LoRA variants.
  assert.equal(loads('tiny-sd15/unet/'), 2);
  assert.ok(loads('tiny-sd15/text_encoder/') <= 2);
  assert.equal(loads('tiny-sd15/vae_decoder/'), 1);
  assert.equal(loads('safety_checker/'), 1);
  const started = events.filter((e) => e.type === 'node.started' && e.nodeType === 'TextEncoder').length;
  const cached = events.filter((e) => e.type === 'node.cached' && e.nodeType === 'TextEncoder').length;
  assert.equal(started, 3 * 2 * 2, 'variants × prompts × (positive, negative)');
  assert.equal(cached, 3 * 2 * 2, 'the second seed of every prompt reuses both encodings');
  assert.equal(events.filter((e) => e.type === 'node.started' && e.nodeType === 'UNetSampler').length, 12);
});

test('progress reports cell i of N', () => {
  const progress = events.filter((e): e is Extract<EngineEvent, { type: 'node.progress' }> => e.type === 'node.progress' && e.nodeId === 'grid');
  assert.deepEqual(
    progress.map((e) => `${e.value}/${e.max}`),
    Array.from({ length: 12 }, (_, i) => `${i + 1}/12`),
  );
});

test('each cell equals a plain run with the cell’s values written into the graph', async () => {
  // Cell r08, row 1 = prompt seed 3, seed 22, LoRA rank 8.
  const plain = set(
    template,
    'sampler.steps=2',
    'safety.maxAttempts=1',
    'loraName.value=tiny-sd15/pytorch_lora_weights_8.safetensors',
    'loraStrength.value=1',
    'seed.seed=22',
    'promptSeed.value=3',
  );
  // The same graph without the grid: a PreviewImage makes SafetyRetry an ordinary (eager) node.
  const nodes = { ...plain.nodes, grid: { type: 'PreviewImage', inputs: { images: { node: 'safety', output: 'images' } } } };
  const run = await host.engine.run({ ...plain, nodes });
  const image = (run.outputs.get('safety') as { images: ImageBatch }).images;
  const cell = await rgbOf(join(folder, 'img', 'r08-0001.png'));
  for (let i = 0; i < cell.data.length; i++) assert.ok(Math.abs((cell.data[i] as number) - Math.round((image.pixels[i] as number) * 255)) <= 0, `byte ${i}`);
  const base = await rgbOf(join(folder, 'img', 'r00-0001.png'));
  assert.notDeepEqual(base.data, cell.data, 'the LoRA changes the image');
});

test('bindings must be linked grid inputs', async () => {
  const unlinked = set(small, `grid.variants=${JSON.stringify([{ label: 'cfg', set: { cfg: 3 } }])}`, 'grid.folder=bad');
  await assert.rejects(host.run(unlinked), /link the grid's "cfg" input/);
  const unknown = set(small, `grid.variants=${JSON.stringify([{ label: 'x', set: { denoise: 0.5 } }])}`);
  await assert.rejects(host.run(unknown), /"denoise" is not a grid input/);
});

test('loom-compare CLI: axes from flags, a JSON summary, the files; no grid node is a usage error', () => {
  const out = join(host.dir, 'cli');
  const bin = join(root, 'packages/server/bin/loom-compare.js');
  const env = { ...process.env, LOOM_MODELS: join(root, 'models') };
  const ok = spawnSync(
    process.execPath,
    [
      bin,
      join(root, 'graphs/compare-tiny-sd15-lora-ranks.json'),
      '--ranks',
      '0,16',
      '--prompts',
      '1',
      '--prompt-seed',
      '5',
      '--seeds',
      '8-9',
      '--set',
      'sampler.steps=1',
      '--out',
      out,
      '--device',
      'cpu',
      '--threads',
      '1',
      '--json',
    ],
    { env, encoding: 'utf8' },
  );
  assert.equal(ok.status, 0, ok.stderr);
  const summary = JSON.parse(ok.stdout) as {
    cells: number;
    columns: number;
    rows: number;
    modelLoads: Record<string, number>;
    textEncodings: { computed: number; reused: number };
    safetyAttempts?: { attempts: number }[];
    files: string[];
  };
  assert.deepEqual([summary.cells, summary.columns, summary.rows], [4, 2, 2]);
  assert.equal(summary.modelLoads['tiny-sd15/unet/model.onnx'], 2);
  assert.deepEqual(summary.textEncodings, { computed: 4, reused: 4 });
  assert.deepEqual(
    summary.safetyAttempts?.map((a) => a.attempts),
    [1, 1, 1, 1],
  );
  for (const file of ['r00-0000.png', 'r00-0001.png', 'r16-0000.png', 'r16-0001.png']) assert.ok(existsSync(join(out, 'compare-tiny-sd15', 'img', file)), file);
  assert.ok(summary.files.every((f) => existsSync(f)));
  assert.match(ok.stderr, /^4 cells \(2 variants × 2 rows\), 4 sampler steps;/m, 'the size of the work is said before it starts');
  const none = spawnSync(process.execPath, [bin, join(root, 'graphs/tiny-sd15-txt2img.json'), '--out', out], { env, encoding: 'utf8' });
  assert.equal(none.status, 2);
  assert.match(none.stderr, /no ComparisonGrid node/);
});

test('loom-compare refuses more than --max-cells, and a missing LoRA, before the first cell', () => {
  const out = join(host.dir, 'cli-refused');
  const bin = join(root, 'packages/server/bin/loom-compare.js');
  const env = { ...process.env, LOOM_MODELS: join(root, 'models') };
  const graph = join(root, 'graphs/compare-tiny-sd15-lora-ranks.json');
  const huge = spawnSync(process.execPath, [bin, graph, '--prompts', '100000', '--out', out], { env, encoding: 'utf8' });
  assert.equal(huge.status, 2, huge.stderr);
  assert.match(huge.stderr, /This comparison has 400,000 cells \(4 variants × 100,000 rows\), more than --max-cells 1,000\. .*raise --max-cells/);
  const raised = spawnSync(
    process.execPath,
    [bin, graph, '--prompts', '100000', '--max-cells', '2000000', '--set', 'loraName.value=nope/x_4.safetensors', '--ranks', '0,4', '--out', out],
    { env, encoding: 'utf8' },
  );
  assert.equal(raised.status, 2, 'a raised limit lets the size pass; the missing LoRA still stops it');
  assert.doesNotMatch(raised.stderr, /max-cells/);
  const missing = spawnSync(process.execPath, [bin, graph, '--ranks', '0,4,32', '--prompts', '1', '--seeds', '1', '--set', 'sampler.steps=1', '--out', out], {
    env,
    encoding: 'utf8',
  });
  assert.equal(missing.status, 2, missing.stderr);
  assert.match(
    missing.stderr,
    /needs LoRA files that are not in .*loras: tiny-sd15\/pytorch_lora_weights_32\.safetensors \(variant "tiny-sd15-lora-32"\)\. .*no cell was run/,
  );
  assert.doesNotMatch(missing.stderr, /pytorch_lora_weights_4\.safetensors \(/, 'files that exist are not listed');
  assert.equal(existsSync(join(out, 'compare-tiny-sd15', 'img', 'r00-0000.png')), false, 'no rank-0 cell was written');
});
