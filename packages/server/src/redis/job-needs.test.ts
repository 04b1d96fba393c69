import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { FLOAT, NodeRegistry, defineNode, param, type Graph } from '@loom/engine';
import { inputFileNames, modelUses, requiredModels } from './job-needs.ts';

const Loader = defineNode({
  type: 'Loader',
  category: 'test',
  description: 'A pipeline loader.',
  inputs: {},
  params: { pipeline: param(z.string().default('tiny-sd15'), 'Pipeline', { file: 'pipelines' }) },
  outputs: { y: FLOAT },
  run: () => ({ y: 1 }),
});
const Picture = defineNode({
  type: 'Picture',
  category: 'test',
  description: 'Reads an upload.',
  inputs: {},
  params: { image: param(z.string().min(1), 'Upload', { file: 'input' }), note: param(z.string().default('x'), 'Not a file') },
  outputs: { y: FLOAT },
  run: () => ({ y: 1 }),
});
const registry = new NodeRegistry([Loader, Picture]);

test('the pipelines a graph loads: literals, declared defaults, sorted and unique; links are not routable', () => {
  const graph: Graph = {
    version: 1,
    nodes: {
      a: { type: 'Loader', inputs: { pipeline: 'sdxl-base' } },
      b: { type: 'Loader', inputs: {} },
      c: { type: 'Loader', inputs: { pipeline: 'sdxl-base' } },
      d: { type: 'Loader', inputs: { pipeline: { node: 'x', output: 'name' } } },
      e: { type: 'Unknown', inputs: { pipeline: 'ignored' } },
    },
  };
  assert.deepEqual(requiredModels(graph, registry), ['sdxl-base', 'tiny-sd15']);
  assert.deepEqual(
    modelUses(graph, registry).map((u) => `${u.nodeId}.${u.param}=${u.value}`),
    ['a.pipeline=sdxl-base', 'b.pipeline=tiny-sd15', 'c.pipeline=sdxl-base'],
  );
});

test('input files are the values of input-folder widgets only', () => {
  const graph: Graph = {
    version: 1,
    nodes: { p: { type: 'Picture', inputs: { image: 'sub/cat.png', note: 'dog.png' } }, q: { type: 'Picture', inputs: { image: 'cat.png' } } },
  };
  assert.deepEqual(inputFileNames(graph, registry), ['cat.png', 'sub/cat.png']);
});
