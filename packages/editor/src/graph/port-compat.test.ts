import assert from 'node:assert/strict';
import { test } from 'node:test';
import { portAccepts } from '@loom/engine/browser';
import { acceptedOutputTypes, acceptingInputTypes, linkRefusal, wouldCycle } from './port-compat.ts';

test('links follow the engine rule: same type, or INT into FLOAT', () => {
  assert.equal(portAccepts('LATENT', 'LATENT'), true);
  assert.equal(portAccepts('FLOAT', 'INT'), true);
  assert.equal(portAccepts('INT', 'FLOAT'), false);
  assert.equal(portAccepts('LATENT', 'IMAGE'), false);
  assert.equal(portAccepts('STRING', 'INT'), false);
  assert.deepEqual(acceptingInputTypes('INT'), ['INT', 'FLOAT']);
  assert.deepEqual(acceptedOutputTypes('FLOAT'), ['FLOAT', 'INT']);
  assert.deepEqual(acceptedOutputTypes('IMAGE'), ['IMAGE']);
  // The highlighting helpers list exactly what the engine's rule lets through.
  const types = ['INT', 'FLOAT', 'STRING', 'LATENT', 'IMAGE'];
  for (const from of types) for (const to of types) assert.equal(acceptingInputTypes(from).includes(to), portAccepts(to, from), `${from} → ${to}`);
  for (const to of types) for (const from of types) assert.equal(acceptedOutputTypes(to).includes(from), portAccepts(to, from), `${to} ← ${from}`);
});

test('a refusal names both ends, their types and what the input takes', () => {
  assert.equal(linkRefusal('INT', 'FLOAT', { from: 'Seed.seed', to: 'UNetSampler.cfg' }), null);
  assert.equal(
    linkRefusal('IMAGE', 'LATENT', { from: 'VAEDecode.images', to: 'UNetSampler.latent' }),
    'Cannot connect VAEDecode.images (IMAGE) to UNetSampler.latent (LATENT): LATENT accepts LATENT only.',
  );
});

test('cycle check follows links downstream from the target', () => {
  const edges = [
    { source: 'a', target: 'b' },
    { source: 'b', target: 'c' },
  ];
  assert.equal(wouldCycle('c', 'a', edges), true, 'c → a closes a → b → c');
  assert.equal(wouldCycle('a', 'c', edges), false);
  assert.equal(wouldCycle('x', 'x', []), true, 'a node cannot feed itself');
});
