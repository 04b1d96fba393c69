import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EngineEvent } from '@loom/engine';
import { ComfyTranslator } from './comfy-translator.ts';

const run = 'p1';
const events: EngineEvent[] = [
  { type: 'run.started', runId: run, toExecute: ['2', '3'], cached: ['1', '9'] },
  { type: 'node.cached', runId: run, nodeId: '1', nodeType: 'Source' },
  { type: 'node.cached', runId: run, nodeId: '9', nodeType: 'Collect', ui: { values: [1] } },
  { type: 'node.started', runId: run, nodeId: '2', nodeType: 'UNetSampler' },
  { type: 'node.progress', runId: run, nodeId: '2', value: 1, max: 2, preview: { mime: 'image/jpeg', data: new Uint8Array([1]) } },
  { type: 'node.progress', runId: run, nodeId: '2', value: 2, max: 2 },
  { type: 'node.finished', runId: run, nodeId: '2', nodeType: 'UNetSampler', durationMs: 1 },
  { type: 'node.started', runId: run, nodeId: '3', nodeType: 'SaveImage' },
  {
    type: 'node.finished',
    runId: run,
    nodeId: '3',
    nodeType: 'SaveImage',
    durationMs: 1,
    ui: { images: [{ filename: 'a.png', subfolder: '', type: 'output' }] },
  },
  { type: 'run.finished', runId: run, durationMs: 2, executed: ['2', '3'], cached: ['1', '9'] },
];

test('engine events become ComfyUI messages in ComfyUI order, with ComfyUI audiences (ComfyUI execution.py, server.py `send_sync`)', () => {
  const translator = new ComfyTranslator(run, { '2': 'KSampler', '3': 'SaveImage' }, () => 1000);
  const out = events.flatMap((e) => translator.translate(e)).concat(translator.finalExecuting());
  const summary = out.map((m) =>
    m.kind === 'preview' ? `preview>${m.to}` : `${m.type}${m.type === 'executing' || m.type === 'executed' ? `:${m.data.node}` : ''}>${m.to}`,
  );
  assert.deepEqual(summary, [
    'execution_start>client',
    'execution_cached>client',
    'executed:9>client', // a cached output node re-sends its ui, without `executing`
    'progress_state>client-or-all',
    'executing:2>client',
    'progress>client-or-all',
    'progress_state>client-or-all',
    'preview>client-or-all',
    'progress>client-or-all',
    'progress_state>client-or-all',
    'progress_state>client-or-all',
    'progress_state>client-or-all',
    'executing:3>client',
    'progress_state>client-or-all',
    'executed:3>client',
    'execution_success>client',
    'executing:null>client',
  ]);
  const cached = out[1];
  assert.ok(cached?.kind === 'json');
  assert.deepEqual(cached.data, { nodes: ['1', '9'], prompt_id: run, timestamp: 1000 });
  const executed = out[14];
  assert.ok(executed?.kind === 'json');
  assert.deepEqual(executed.data, { node: '3', display_node: '3', output: { images: [{ filename: 'a.png', subfolder: '', type: 'output' }] }, prompt_id: run });
});

test('failures and interrupts carry the node, its ComfyUI class and what already ran', () => {
  const translator = new ComfyTranslator(run, { '2': 'KSampler' }, () => 5);
  translator.translate({ type: 'run.started', runId: run, toExecute: ['1', '2'], cached: [] });
  translator.translate({ type: 'node.started', runId: run, nodeId: '1', nodeType: 'Source' });
  translator.translate({ type: 'node.finished', runId: run, nodeId: '1', nodeType: 'Source', durationMs: 1 });
  translator.translate({ type: 'node.started', runId: run, nodeId: '2', nodeType: 'UNetSampler' });
  const [error] = translator.translate({ type: 'run.failed', runId: run, error: { code: 'NODE_FAILED', message: 'boom', nodeId: '2' } });
  assert.ok(error?.kind === 'json');
  assert.equal(error.type, 'execution_error');
  assert.equal(error.to, 'client');
  assert.deepEqual(error.data, {
    prompt_id: run,
    node_id: '2',
    node_type: 'KSampler',
    executed: ['1'],
    exception_message: 'boom',
    exception_type: 'NODE_FAILED',
    traceback: [],
    current_inputs: {},
    current_outputs: [],
    timestamp: 5,
  });
  const [interrupted] = translator.translate({ type: 'run.cancelled', runId: run });
  assert.ok(interrupted?.kind === 'json');
  assert.equal(interrupted.to, 'client-or-all', 'an interrupt of a prompt without client is broadcast');
  assert.deepEqual(interrupted.data, { prompt_id: run, node_id: '2', node_type: 'KSampler', executed: ['1'], timestamp: 5 });
});
