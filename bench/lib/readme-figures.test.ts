import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { BenchResult } from './report.ts';
import { num, performanceTable, ratio, readResult, replaceBlock } from './readme-figures.ts';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

test('the README Performance table is what bench/results gives (else: npm run gen:readme)', () => {
  assert.equal(readme, replaceBlock(readme, 'perf', performanceTable()), 'README.md is stale: run `npm run gen:readme`');
});

test('figures are the committed numbers, hand-checked', () => {
  const table = performanceTable();
  // pipeline.json, onnxruntime time equalized: 976.468 ms / 968.630 ms = 1.0081.
  assert.match(
    table,
    /\| tiny SD1\.5, 20-step UNetSampler vs bare onnxruntime loop \(onnxruntime time equalized\) \| 1\.01× \| ≤ 1\.03× ✓ \| 2026-12-03, machine 1 \(`pipeline\.json`\) \|/,
  );
  // throughput.json: MatMul 22.22 and 20.47 GFLOP/s (1 and 2 threads, a loaded machine).
  assert.match(table, /\| 22\.2 GFLOP\/s \/ 20\.5 GFLOP\/s \|/);
  // checkpoint.json: built UNet step 95.94 s against 143.16 s for the export = 0.6702.
  assert.match(table, /\| 34\.9 s; 0\.670× \| ≤ 1\.0× export ✓ \|/);
  // model-load.json measured the SD1.5-size UNet: 33.01 s cold, 12.44 s warm = 0.377.
  assert.match(table, /\| SD1\.5 size: 33\.0 s \/ 12\.4 s \(0\.377×\) \| ≤ 0\.5× ✓ \|/);
  assert.match(table, /^Machine 1: 2 CPUs \(AMD EPYC\), 24 GiB, Node v20\.20\.2\.$/m);
});

test('a model-load run on another UNet never passes for SD1.5 size; a renamed metric is an error naming file and metric', () => {
  const real = (name: string): BenchResult => readResult(name);
  const relabel = (name: string): BenchResult => {
    const result = real(name);
    if (name !== 'model-load') return result;
    return { ...result, figures: result.figures.map((f) => ({ ...f, metric: f.metric.replace('SD1.5-size UNet', 'tiny SD1.5 UNet') })) };
  };
  assert.match(performanceTable(relabel), /\| SD1\.5 size: no committed run; tiny SD1\.5 UNet: 33\.0 s \/ 12\.4 s \(0\.377×\) \|/);
  const renamed = (name: string): BenchResult => {
    const result = real(name);
    return name === 'engine' ? { ...result, figures: result.figures.filter((f) => f.metric !== 'engine overhead per node') } : result;
  };
  assert.throws(() => performanceTable(renamed), /bench\/results\/engine\.json has no figure "engine overhead per node"/);
});

test('number formatting and block replacement', () => {
  assert.deepEqual([num(2), num(12.8954), num(0.68), num(34702.17), num(0.99996)], ['2', '12.9', '0.680', '34,702', '1.00']);
  assert.equal(ratio({ metric: 'm', value: 3, unit: 's', baseline: { name: 'b', value: 4 } }), '0.750×');
  assert.equal(replaceBlock('a\n<!-- x:begin -->\nold\n<!-- x:end -->\nb', 'x', 'new'), 'a\n<!-- x:begin -->\nnew\n<!-- x:end -->\nb');
  assert.throws(() => replaceBlock('no markers', 'x', ''), /no <!-- x:begin -->/);
});
