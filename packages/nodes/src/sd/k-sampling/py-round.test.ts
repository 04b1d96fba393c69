import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pyRound } from './py-round.ts';

// Expected values are CPython 3.11's round(x, 6) (worked out: exact binary values, half-to-even on exact ties).
test('round(x, 6) like Python: exact ties go to even, near-ties follow the exact binary value', () => {
  assert.equal(pyRound(0.0078125, 6), 0.007812); // 2^-7: an exact tie, rounded to even (toFixed gives 0.007813)
  assert.equal(pyRound(7.3203125, 6), 7.320312);
  assert.equal(pyRound(0.0234375, 6), 0.023438); // 3·2^-7: a tie rounded up to the even 8
  assert.equal(pyRound(2.675, 2), 2.67); // the classic: 2.675 is 2.67499999… in binary
  assert.equal(pyRound(14.614642143249512, 6), 14.614642);
  assert.equal(pyRound(0.029167499393224716, 6), 0.029167);
  assert.equal(pyRound(-1.0000005, 6), -1.000001); // -1.0000005 is -1.00000050000000003… in binary
  assert.equal(pyRound(3, 6), 3);
});
