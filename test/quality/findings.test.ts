/**
 * The seed's findings (tools/loom-tiny/findings): the README's table is what the committed results give,
 * and a reduced run (2 grid rows at ranks 0 and 16, 2 prompts per finding) writes FINDINGS.md with every
 * section, its figures and strips. Bars, on pictures Loom renders deterministically:
 * - resolution: rendered directly at 2×, the pictures average more than 1.5 subjects (the checker
 *   catches the duplicated subject); at the trained size every picture shows exactly one;
 * - prompts: the library's caption form gets colour and shape right in ≥ 50% of pictures.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { replaceBlock } from '../../bench/lib/readme-figures.ts';
import { compareCli } from '../../packages/server/src/cli/compare.ts';
import { findingsCli } from '../../tools/loom-tiny/findings/run.ts';
import { committedFindingsTable, RESULTS_FILE } from '../../tools/loom-tiny/findings/readme.ts';
import { findingsMarkdown } from '../../tools/loom-tiny/findings/markdown.ts';
import type { FindingsResult } from '../../tools/loom-tiny/findings/measure.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const sink = (): NodeJS.WritableStream & { text: string } => {
  const s = { text: '', write: (chunk: string) => ((s.text += chunk), true) };
  return s as unknown as NodeJS.WritableStream & { text: string };
};

test('the README findings table is what tools/loom-tiny/findings/results.json gives (else: npm run gen:readme)', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  assert.equal(readme, replaceBlock(readme, 'findings', committedFindingsTable()), 'README.md is stale: run `npm run gen:readme`');
});

test('FINDINGS.md states the committed figures: hand-checked rows', () => {
  const result = JSON.parse(readFileSync(RESULTS_FILE, 'utf8')) as FindingsResult;
  const md = findingsMarkdown(result, './findings');
  for (const heading of ['## 1. Prompts matter', '## 2. The base model matters', '## 3. Rank', '## 4. Resolution']) assert.ok(md.includes(heading), heading);
  // results.json: rendered directly at 2×, none of the 4 pictures shows one subject; 10 subjects in all (2.5 each).
  assert.ok(md.includes('| directly at 2× | 0% | 2.5 | 0% |'), md);
  assert.match(md, /!\[[^\]]+\]\(\.\/findings\/resolution\.png\)/);
});

test('a reduced demo: the grid, then FINDINGS.md with every finding measured; direct 2× duplicates the subject', async () => {
  const out = mkdtempSync(join(tmpdir(), 'loom-findings-'));
  const models = join(root, 'models');
  const compare = sink();
  const code = await compareCli(
    [
      join(root, 'graphs/compare-loom-tiny-lora-ranks.json'),
      '--ranks',
      '0,16',
      '--prompts',
      '2',
      '--out',
      out,
      '--models',
      models,
      '--threads',
      '1',
      '--quiet',
    ],
    { stdout: compare, stderr: compare },
  );
  assert.equal(code, 0, compare.text);
  const grid = join(out, 'loom-tiny');
  const io = { stdout: sink(), stderr: sink() };
  assert.equal(await findingsCli(['--grid', grid, '--prompts', '2', '--resolution', '2', '--models', models, '--threads', '1'], io), 0, io.stderr.text);
  const result = JSON.parse(readFileSync(join(grid, 'findings.json'), 'utf8')) as FindingsResult;
  assert.deepEqual(
    result.rank.map((r) => r.rank),
    [16],
  );
  assert.equal(result.settings.gridRows, 2);
  const [trained, direct] = result.resolution;
  assert.ok(trained && direct);
  assert.equal(trained.oneSubject, 1, 'one subject at the trained size');
  assert.ok(direct.meanSubjects > 1.5, `directly at 2×: ${direct.meanSubjects} subjects on average (bar: > 1.5)`);
  assert.ok((result.prompts[1]?.subject ?? 0) >= 0.5, `caption form colour + shape ${result.prompts[1]?.subject} (bar: ≥ 50%)`);
  const md = readFileSync(join(grid, 'FINDINGS.md'), 'utf8');
  assert.equal(md, findingsMarkdown(result, './findings'));
  for (const strip of ['prompts', 'base-model', 'rank', 'resolution']) assert.ok(existsSync(join(grid, 'findings', `${strip}.png`)), strip);
});
