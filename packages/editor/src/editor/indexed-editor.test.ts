import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IndexedNodeEditor } from './indexed-editor.ts';
import { ClassicPreset } from 'rete';
import { LoomConnection, LoomNode, LoomSocket } from './loom-node.ts';

test('lookups by id follow adds, removals and clear, and later pipes already see them', async () => {
  const editor = new IndexedNodeEditor();
  const seen: string[] = [];
  editor.addPipe((context) => {
    if (context.type === 'connectioncreated') seen.push(`created ${editor.getConnection(context.data.id) === context.data}`);
    if (context.type === 'noderemoved') seen.push(`removed ${editor.getNode(context.data.id) === undefined}`);
    return context;
  });
  const a = new LoomNode('a', 'T', undefined);
  const b = new LoomNode('b', 'T', undefined);
  const socket = new LoomSocket('STRING', '#8fbf6a', 'Text');
  a.addOutput('out', new ClassicPreset.Output(socket));
  b.addInput('in', new ClassicPreset.Input(socket));
  await editor.addNode(a);
  await editor.addNode(b);
  const link = new LoomConnection(a, 'out', b, 'in');
  await editor.addConnection(link);
  assert.equal(editor.getNode('a'), a);
  assert.equal(editor.getConnection(link.id), link);
  assert.equal(await editor.addNode(new LoomNode('a', 'T', undefined)).catch((err: Error) => err.message), 'node has already been added');
  await editor.removeConnection(link.id);
  await editor.removeNode('b');
  assert.equal(editor.getConnection(link.id), undefined);
  assert.equal(editor.getNode('b'), undefined);
  await editor.clear();
  assert.equal(editor.getNode('a'), undefined);
  // b removed by hand, a by clear.
  assert.deepEqual(seen, ['created true', 'removed true', 'removed true']);
});
