import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GROUP_TITLE, groupAround, holds, readGroups } from './groups.ts';

test('readGroups keeps ComfyUI groups and drops what is not one', () => {
  const value = [
    { title: 'Prompt', bounding: [10, 20, 300, 200], color: '#a1309b' },
    { title: 'No box', bounding: [1, 2, 3] },
    { bounding: [0, 0, 50, 40] },
    'junk',
  ];
  assert.deepEqual(readGroups(value), {
    groups: [
      { title: 'Prompt', bounding: [10, 20, 300, 200], color: '#a1309b' },
      { title: 'Group', bounding: [0, 0, 50, 40] },
    ],
    dropped: 2,
  });
  assert.deepEqual(readGroups(undefined), { groups: [], dropped: 0 });
});

test('groupAround surrounds the nodes with padding and a title bar', () => {
  // Two nodes: (100,200)-(360,320) and (400,150)-(700,300); 12 px padding, 34 px title.
  const g = groupAround([
    { left: 100, top: 200, right: 360, bottom: 320 },
    { left: 400, top: 150, right: 700, bottom: 300 },
  ]);
  assert.deepEqual(g.bounding, [88, 150 - 12 - GROUP_TITLE, 700 + 12 - 88, 320 + 12 - (150 - 12 - GROUP_TITLE)]);
  assert.throws(() => groupAround([]), /at least one node/);
});

test('a node belongs to a group when its centre is inside', () => {
  const g = { title: 'G', bounding: [0, 0, 100, 100] as [number, number, number, number] };
  assert.equal(holds(g, { left: 60, top: 60, right: 130, bottom: 90 }), true); // centre (95, 75)
  assert.equal(holds(g, { left: 80, top: 10, right: 140, bottom: 40 }), false); // centre (110, 25)
});
