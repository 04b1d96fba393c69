/**
 * The README's loom-tiny quality table is what the committed `npm run quality` summary gives, and the
 * table states its figures as hand-checked here from that file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { replaceBlock } from '../../bench/lib/readme-figures.ts';
import { committedQualityTable, QUALITY_RESULTS, qualityTable, type QualitySummary } from '../../tools/loom-tiny/quality/readme.ts';

test('the README quality table is what tools/loom-tiny/quality/results.json gives (else: npm run gen:readme)', () => {
  const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
  assert.equal(readme, replaceBlock(readme, 'quality', committedQualityTable()), 'README.md is stale: run `npm run gen:readme`');
});

test('quality rows: a share as a percentage with its count, attributes, ranks and the strength curve', () => {
  const summary: QualitySummary = {
    date: '2026-01-02T00:00:00.000Z',
    adherence: { count: 200, adherence: 0.955, perAttribute: { colour: 0.98, shape: 0.975, position: 1, size: 1 } },
    roundTrip: { count: 120, adherence: 0.9167 },
    style: { prompts: 20, ranks: [4, 16].map((rank) => ({ rank, accuracy: 0.975, curve: [0, 1].map((strength) => ({ strength, mean: strength * 0.689 })) })) },
    loraAdherence: {
      count: 40,
      base: 0.95,
      ranks: [
        { rank: 4, adherence: 0.925 },
        { rank: 16, adherence: 0.55 },
      ],
    },
    bars: { adherence: 0.9, styleAccuracy: 0.95, loraAdherence: 0.9 },
  };
  const table = qualityTable(summary);
  assert.match(table, /\| \*\*95\.5%\*\* \(191\/200\) \| ≥ 90\.0% \|/);
  assert.match(table, /\| 98\.0% \/ 97\.5% \/ 100\.0% \(100\.0%\) \|/);
  assert.match(table, /120 labelled renders .* \| 91\.7% \|/);
  assert.match(table, /\(ranks 4 \/ 16\) \| 97\.5% \/ 97\.5% \(20 prompts\) \| ≥ 95\.0% \|/);
  assert.match(table, /mean at strength 0 \/ 1 \(rank 16\) \| 0\.000 \/ 0\.689 \| rises \|/);
  assert.match(
    table,
    /through the LoRA at strength 1, 40 held-out prompts \+ ", loom style" \(ranks 4 \/ 16; base 95\.0%\) \| 92\.5% \/ 55\.0% \| ≥ 90\.0% \|/,
  );
  assert.match(table, /2026-01-02/);
  assert.ok(JSON.parse(readFileSync(QUALITY_RESULTS, 'utf8')), 'the committed summary is JSON');
});
