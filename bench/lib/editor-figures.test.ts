import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { editorTable } from './editor-figures.ts';
import { replaceBlock } from './readme-figures.ts';
import { readResult } from './readme-figures.ts';

const readme = readFileSync(new URL('../../packages/editor/README.md', import.meta.url), 'utf8');

test("the editor README's figures are what bench/results/editor.json gives (else: npm run gen:readme)", () => {
  assert.equal(readme, replaceBlock(readme, 'editor', editorTable()), 'packages/editor/README.md is stale: run `npm run gen:readme`');
});

test('a renamed editor metric is an error naming the file and the metric', () => {
  const result = readResult('editor');
  const renamed = { ...result, figures: result.figures.filter((f) => f.metric !== '1,000-node chain: load to interactive') };
  assert.throws(() => editorTable(renamed), /bench\/results\/editor\.json has no figure "1,000-node chain: load to interactive"/);
});
