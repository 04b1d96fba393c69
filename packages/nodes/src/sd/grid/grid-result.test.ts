import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { LoomError } from '@loom/engine';
import { gridResultOf } from './grid-result.ts';

const cells = [
  { file: 'r00-0001.png', variant: 'base', row: 0, bindings: { strength: 0 } },
  { file: 'r08-0001.png', variant: 'r8', row: 0, bindings: { strength: 1 }, safetyAttempts: 2 },
];

test('a saved grid: its cells, and grid.png, README.md and img/<cell> under the output folder', () => {
  const result = gridResultOf({ images: [{ filename: 'grid.png', subfolder: 'runs/a', type: 'output' }], text: ['| … |'], cells }, '/out');
  assert.deepEqual(result.cells, cells);
  assert.deepEqual(result.written, {
    grid: join('/out', 'runs/a', 'grid.png'),
    readme: join('/out', 'runs/a', 'README.md'),
    cellFolder: join('/out', 'runs/a', 'img'),
  });
  assert.deepEqual(
    result.files,
    ['/out/runs/a/grid.png', '/out/runs/a/README.md', '/out/runs/a/img/r00-0001.png', '/out/runs/a/img/r08-0001.png'].map((p) => join(p)),
  );
});

test('save off: the cells, nothing written', () => {
  const result = gridResultOf({ text: ['| … |'], cells }, '/out');
  assert.equal(result.written, undefined);
  assert.deepEqual(result.files, []);
  assert.equal(result.cells[1]?.safetyAttempts, 2);
});

test('a ui payload that is not a grid result is a NODE_FAILED error', () => {
  assert.throws(
    () => gridResultOf(undefined, '/out'),
    (err: unknown) => err instanceof LoomError && err.code === 'NODE_FAILED' && /ComparisonGrid/.test(err.message),
  );
  assert.throws(() => gridResultOf({ cells: [{ file: 1 }] }, '/out'), LoomError);
});
