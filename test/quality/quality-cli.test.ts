/** `npm run quality`'s decisions: bars, monotonicity and argument errors (no model needed). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import type { AdherenceResult } from '../../tools/loom-tiny/quality/adherence.ts';
import { QUALITY_BARS, verdict } from '../../tools/loom-tiny/quality/bars.ts';
import type { LoraAdherenceResult } from '../../tools/loom-tiny/quality/lora-adherence.ts';
import { qualityCli } from '../../tools/loom-tiny/quality/run.ts';
import { isMonotonic, type StyleRankResult, type StyleResult } from '../../tools/loom-tiny/quality/style-eval.ts';

test('a strength curve is monotonic when it never falls and ends above where it starts', () => {
  assert.equal(isMonotonic([0.1, 0.2, 0.4, 0.7, 0.9]), true);
  assert.equal(isMonotonic([0.1, 0.3, 0.3, 0.8]), true, 'a plateau (a saturated metric) is allowed');
  assert.equal(isMonotonic([0.1, 0.3, 0.29, 0.8]), false);
  assert.equal(isMonotonic([0.4, 0.4, 0.4]), false, 'flat is not a response to strength');
});

const adherence = (share: number): AdherenceResult => ({
  count: 200,
  adherence: share,
  perAttribute: { colour: 1, shape: 1, position: 1, size: 1 },
  nothingFound: 0,
  cases: [],
});
const rank = (r: number, accuracy: number, means: number[]): StyleRankResult => ({
  rank: r,
  accuracy,
  loraStyled: 0,
  curve: means.map((mean, i) => ({ strength: i / (means.length - 1), mean, scores: [] })),
  monotonic: isMonotonic(means),
  images: [],
});
const style = (...ranks: StyleRankResult[]): StyleResult => ({ prompts: [], base: { scores: [], styled: 0, images: [] }, ranks });

const series = (share: number) => ({ count: 40, adherence: share, perAttribute: { colour: share, shape: 1, position: 1, size: 1 }, misses: [] });
const underLoras = (...shares: [number, number][]): LoraAdherenceResult => ({
  base: series(1),
  ranks: shares.map(([r, share]) => ({ rank: r, ...series(share) })),
});

test('the bars are the issues’: adherence 90% on the base and through every LoRA rank, style accuracy 95% for every rank, and a rising curve', () => {
  assert.deepEqual(QUALITY_BARS, { adherence: 0.9, styleAccuracy: 0.95, loraAdherence: 0.9 });
  assert.equal(verdict(adherence(0.9), style(rank(4, 0.95, [0, 1])), underLoras([4, 0.9])).passed, true);
  assert.deepEqual(verdict(adherence(0.895), undefined, undefined).failures, ['prompt adherence 89.5% < 90.0% (200 prompts)']);
  assert.deepEqual(verdict(undefined, undefined, underLoras([4, 0.925], [8, 0.875])).failures, [
    'rank 8: prompt adherence through the LoRA at strength 1 87.5% < 90.0% (40 prompts)',
  ]);
  assert.equal(verdict(undefined, style(rank(16, 1, [0.7])), undefined).passed, true, 'one strength (--strengths 1) has no curve to judge');
  const missed = verdict(undefined, style(rank(4, 1, [0, 1]), rank(8, 0.9, [0, 1]), rank(16, 1, [0.2, 0.1, 0.9])), undefined);
  assert.equal(missed.passed, false);
  assert.equal(missed.failures.length, 2);
  assert.match(missed.failures[0] as string, /^rank 8: style accuracy 90\.0% < 95\.0%/);
  assert.match(missed.failures[1] as string, /^rank 16: the style metric does not rise/);
});

test('bad arguments exit with 2 before anything is rendered', async () => {
  for (const args of [
    ['--prompts', 'x'],
    ['--prompts', '201'],
    ['--styles', '-1'],
    ['--ranks', '4,x'],
    ['--strengths', '0,x'],
    ['--strengths', '3'],
    ['--device', 'tpu'],
    ['--threads', '1.5'],
    ['--bogus'],
  ]) {
    const stderr = new PassThrough();
    let text = '';
    stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
    assert.equal(await qualityCli(args, { stdout: new PassThrough(), stderr }), 2, args.join(' '));
    assert.match(text, /Usage: npm run quality/);
  }
});
