import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EngineEvent } from '@loom/engine';
import { createProgressDisplay, formatDuration, overallFraction } from './progress-display.ts';

function capture(): { stream: NodeJS.WriteStream; text: () => string } {
  let written = '';
  const stream = { columns: 200, write: (chunk: string) => ((written += chunk), true) } as unknown as NodeJS.WriteStream;
  return { stream, text: () => written };
}

const run = (display: ReturnType<typeof createProgressDisplay>, events: EngineEvent[]) => events.forEach((e) => display.onEvent(e));
const base = { runId: 'r' };
const events: EngineEvent[] = [
  { type: 'run.started', ...base, toExecute: ['enc', 'sampler'], cached: ['loader'] },
  { type: 'node.started', ...base, nodeId: 'enc', nodeType: 'TextEncoder' },
  { type: 'node.finished', ...base, nodeId: 'enc', nodeType: 'TextEncoder', durationMs: 1200 },
  { type: 'node.started', ...base, nodeId: 'sampler', nodeType: 'UNetSampler' },
  ...[1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((value): EngineEvent => ({ type: 'node.progress', ...base, nodeId: 'sampler', value, max: 20 })),
  { type: 'node.log', ...base, nodeId: 'sampler', level: 'warn', message: 'careful' },
];

test('overall progress counts finished nodes plus the running node\'s fraction', () => {
  assert.equal(overallFraction({ total: 2, done: 1, fraction: 0.5, startedAt: 0 }), 0.75);
  assert.equal(overallFraction({ total: 0, done: 0, fraction: 0, startedAt: 0 }), 1);
  assert.equal(formatDuration(75_000), '1m15s');
  assert.equal(formatDuration(4_400), '4s');
});

test('on a TTY: one live line with node, step, percentage and ETA', () => {
  const { stream, text } = capture();
  run(createProgressDisplay(stream, true), events);
  const frames = text().split('\r\x1b[2K').filter(Boolean);
  const last = frames.filter((f) => f.includes('UNetSampler')).at(-1) ?? '';
  assert.match(last, /75% 1\/2 nodes UNetSampler "sampler" step 10\/20 ETA \d+s/);
  assert.ok(!frames.some((f) => f.includes('\n') && !f.startsWith('warning')), 'progress never scrolls');
  assert.match(text(), /warning \[sampler\]: careful\n/);
});

test('without a TTY: a few plain lines per node, never one per step', () => {
  const { stream, text } = capture();
  run(createProgressDisplay(stream, false), events);
  const lines = text().trim().split('\n');
  assert.equal(lines[0], 'running 2 node(s), 1 cached');
  assert.ok(lines.includes('TextEncoder "enc" done in 1s'));
  // (1 finished + 1/20) of 2 nodes = 52.5%, (1 + 5/20) / 2 = 62.5%, (1 + 10/20) / 2 = 75%: rounded.
  const stepLines = lines.filter((l) => l.includes('step'));
  assert.deepEqual(stepLines, ['  sampler: step 1/20 (53% overall)', '  sampler: step 5/20 (63% overall)', '  sampler: step 10/20 (75% overall)']);
});
