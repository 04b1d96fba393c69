import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecentModels } from './capabilities.ts';

test('recent pipelines: most recent last, bounded, and nothing loaded when the object cache is empty', () => {
  const recent = new RecentModels(2);
  recent.used(['a']);
  recent.used(['b']);
  recent.used(['a']);
  assert.deepEqual(recent.loaded(3), ['b', 'a']);
  recent.used(['c']);
  assert.deepEqual(recent.loaded(3), ['a', 'c'], 'b, the least recent, is dropped');
  assert.deepEqual(recent.loaded(0), [], 'an empty object cache holds no pipeline');
  recent.clear();
  assert.deepEqual(recent.loaded(5), []);
});
