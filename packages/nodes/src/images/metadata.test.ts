/** The PNG chunks a ComfyUI client gets: tEXt `prompt` and extra_pnginfo keys as Python's json.dumps writes them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { builtinNodes, NodeRegistry, withComfyOrigin, type Graph } from '@loom/engine';
import { addPngText, readPngText } from './png-text.ts';
import { a1111Parameters, pngTextEntries } from './metadata.ts';

const registry = new NodeRegistry(builtinNodes);
const graph: Graph = { version: 1, nodes: { n: { type: 'Int', inputs: { value: 3 } } }, meta: { title: 'é' } };

/** The chunks after IHDR: [type, keyword, text]. */
function chunks(png: Buffer): [string, string, string][] {
  const out: [string, string, string][] = [];
  for (let at = 8; at + 12 <= png.length;) {
    const length = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + length);
    const nul = data.indexOf(0);
    if (type === 'tEXt' || type === 'iTXt')
      out.push([type, data.toString('latin1', 0, nul), type === 'tEXt' ? data.toString('latin1', nul + 1) : data.toString('utf8', nul + 5)]);
    at += 12 + length;
  }
  return out;
}

test('a client prompt and extra_pnginfo are written as ComfyUI writes them: tEXt, json.dumps separators, ASCII escapes, in order', async () => {
  const prompt = { '3': { class_type: 'KSampler', inputs: { seed: 5, cfg: 7.5, model: ['4', 0] } } };
  const workflow = { nodes: [], links: [], extra: { note: 'café' }, version: 0.4 };
  const sent = withComfyOrigin(graph, { prompt, extraPngInfo: { workflow, other: [1] } });
  const png = addPngText(
    await sharp({ create: { width: 1, height: 1, channels: 3, background: '#000' } })
      .png()
      .toBuffer(),
    pngTextEntries(sent, registry, { prompt: 'a ☃' }, 1, 1),
  );
  const written = chunks(png);
  assert.deepEqual(
    written.map(([type, key]) => `${type}:${key}`),
    ['tEXt:prompt', 'tEXt:workflow', 'tEXt:other', 'iTXt:parameters', 'tEXt:loom'],
  );
  // python3 -c 'import json; print(json.dumps({"3": {"class_type": "KSampler", "inputs": {"seed": 5, "cfg": 7.5, "model": ["4", 0]}}}))'
  assert.equal(written[0]?.[2], '{"3": {"class_type": "KSampler", "inputs": {"seed": 5, "cfg": 7.5, "model": ["4", 0]}}}');
  assert.equal(written[1]?.[2], '{"nodes": [], "links": [], "extra": {"note": "caf\\u00e9"}, "version": 0.4}');
  assert.equal(written[2]?.[2], '[1]');
  const text = readPngText(png);
  assert.match(text.parameters ?? '', /^a ☃\nNegative prompt: /);
  // Loom's own graph, without the client's copy, to reopen exactly; é fits Latin-1, so tEXt.
  assert.deepEqual(JSON.parse(text.loom ?? ''), graph);
});

test('without a client workflow, Loom writes its graph as a ComfyUI UI workflow and its API prompt', () => {
  const entries = pngTextEntries(graph, registry, {}, 1, 1);
  assert.deepEqual(JSON.parse(entries.prompt ?? ''), { n: { class_type: 'Int', inputs: { value: 3 }, _meta: { title: 'Int' } } });
  const workflow = JSON.parse(entries.workflow ?? '') as { nodes: { type: string; widgets_values: unknown[] }[]; version: number };
  assert.deepEqual([workflow.version, workflow.nodes[0]?.type, workflow.nodes[0]?.widgets_values], [0.4, 'Int', [3]]);
});

test('A1111 parameters name the embeddings used as `TI hashes`, quoted, names without ":" and ","', () => {
  // the format of A1111 modules/sd_hijack_clip.py (name: shorthash, joined by ", ") and create_infotext's quote()
  const meta = {
    prompt: 'a BadDream cat',
    negativePrompt: 'x',
    steps: 2,
    embeddings: [
      { name: 'BadDream', hash: '758aac443515' },
      { name: 'a:b,c', hash: '0123456789ab' },
    ],
  };
  assert.equal(
    a1111Parameters(meta, 64, 64),
    'a BadDream cat\nNegative prompt: x\nSteps: 2, Size: 64x64, TI hashes: "BadDream: 758aac443515, abc: 0123456789ab"',
  );
  assert.doesNotMatch(a1111Parameters({ ...meta, embeddings: [] }, 64, 64), /TI hashes/);
});
