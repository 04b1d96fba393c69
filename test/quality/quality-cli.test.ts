/** `npm run quality`'s decisions: bars, monotonicity and argument errors (no model needed). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import type { AdherenceResult } from '../../tools/loom-tiny/quality/adherence.ts';
import { QUALITY_BARS, verdict } from '../../tools/loom-tiny/quality/bars.ts';
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

test('the bars are the issue’s: adherence 90%, style accuracy 95% for every rank, and a rising curve', () => {
  assert.deepEqual(QUALITY_BARS, { adherence: 0.9, styleAccuracy: 0.95 });
  assert.equal(verdict(adherence(0.9), style(rank(4, 0.95, [0, 1]))).passed, true);
  assert.deepEqual(verdict(adherence(0.895), undefined).failures, ['prompt adherence 89.5% < 90.0% (200 prompts)']);
  const missed = verdict(undefined, style(rank(4, 1, [0, 1]), rank(8, 0.9, [0, 1]), rank(16, 1, [0.2, 0.1, 0.9])));
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
