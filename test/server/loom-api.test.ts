/** Loom's own API (`/loom/api`, `/loom/ws`): contract tests over real HTTP and sockets. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { api, comfyChain, startTestServer, WsProbe, type TestServer } from './helpers/test-server.ts';

let t: TestServer;
before(async () => {
  t = await startTestServer();
});
after(() => t.close());

const L = '/loom/api';
const chain = (value: number, slowMs = 0) => ({
  version: 1,
  nodes: {
    src: { type: 'Source', inputs: { value } },
    ...(slowMs > 0 && { slow: { type: 'Slow', inputs: { x: { node: 'src', output: 'out' }, ms: slowMs, steps: 2 } } }),
    out: { type: 'Collect', inputs: { a: { node: slowMs > 0 ? 'slow' : 'src', output: slowMs > 0 ? 'y' : 'out' }, label: `n${value}` } },
  },
});

async function waitDone(id: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < 200; i++) {
    const res = await api(t.url, `${L}/history/${id}`);
    if (res.status === 200) return res.body as Record<string, unknown>;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`prompt ${id} never finished`);
}

describe('catalog, validate, submit', () => {
  test('the catalog lists nodes with parameter JSON Schemas and the ComfyUI aliases', async () => {
    const body = (await api(t.url, `${L}/catalog`)).body as {
      nodes: { type: string; params: { name: string; schema: { maximum?: number } }[] }[];
      comfyAliases: Record<string, string>;
      comfy: Record<string, unknown>;
    };
    const scale = body.nodes.find((n) => n.type === 'Scale');
    assert.equal(scale?.params.find((p) => p.name === 'factor')?.schema.maximum, 10);
    assert.deepEqual(body.comfyAliases, { ComfyCollect: 'Collect' });
    assert.deepEqual(body.comfy, { ComfyCollect: { node: 'Collect', semantics: "Loom's Collect, with ComfyUI's semantics." } });
  });

  test('validate reports every problem with node and input, and accepts ComfyUI prompts too', async () => {
    const ok = await api(t.url, `${L}/validate`, { json: { graph: chain(1) } });
    assert.deepEqual(ok.body, { ok: true, problems: [] });
    const bad = { version: 1, nodes: { a: { type: 'Source', inputs: { value: 5000 } }, b: { type: 'Collect', inputs: {} }, c: { type: 'Nope', inputs: {} } } };
    const res = (await api(t.url, `${L}/validate`, { json: { graph: bad } })).body as {
      ok: boolean;
      problems: { code: string; nodeId: string; input?: string }[];
    };
    assert.equal(res.ok, false);
    assert.deepEqual(res.problems.map((p) => [p.code, p.nodeId, p.input]).sort(), [
      ['MISSING_INPUT', 'b', 'a'],
      ['PARAM_INVALID', 'a', 'value'],
      ['UNKNOWN_NODE_TYPE', 'c', undefined],
    ]);
    const comfy = (
      await api(t.url, `${L}/validate`, {
        json: { graph: { '1': { class_type: 'Source', inputs: { value: 5000 } }, '2': { class_type: 'Collect', inputs: { a: ['1', 0] } } } },
      })
    ).body as { ok: boolean; problems: { code: string; nodeId: string; input: string }[] };
    assert.deepEqual(
      comfy.problems.map((p) => [p.code, p.nodeId, p.input]),
      [['value_bigger_than_max', '1', 'value']],
    );
    assert.equal((await api(t.url, `${L}/validate`, { json: { grahp: {} } })).status, 400, 'unknown fields are refused');
  });

  test('submit a native graph: 201, events on /loom/ws, outputs in history', async () => {
    const ws = await WsProbe.connect(`${t.wsUrl}/loom/ws?clientId=editor`);
    const hello = await ws.waitFor((m) => m.type === 'hello');
    assert.equal(hello.data.sid, 'editor');
    const res = await api(t.url, `${L}/prompts`, { json: { graph: chain(7), clientId: 'editor' } });
    assert.equal(res.status, 201);
    const { promptId, targets } = res.body as { promptId: string; targets: string[] };
    assert.deepEqual(targets, ['out']);
    const done = await ws.waitFor((m) => m.type === 'prompt.done' && m.data.promptId === promptId);
    assert.equal(done.data.outcome, 'success');
    const events = ws.messages.filter((m) => m.type === 'event' && m.data.promptId === promptId).map((m) => (m.data.event as { type: string }).type);
    assert.deepEqual(events, ['run.started', 'node.started', 'node.finished', 'node.started', 'node.finished', 'run.finished']);
    const record = await waitDone(promptId);
    assert.equal(record.outcome, 'success');
    assert.equal(record.format, 'loom');
    assert.deepEqual(record.outputs, { out: { values: [7], label: ['n7'] } });
    ws.close();
  });

  test('an invalid native graph → 400 with problems; bad bodies → 400 naming the field', async () => {
    const res = await api(t.url, `${L}/prompts`, { json: { graph: { version: 1, nodes: { x: { type: 'Collect', inputs: {} } } } } });
    assert.equal(res.status, 400);
    const body = res.body as { error: { type: string }; problems: { code: string }[] };
    assert.equal(body.error.type, 'prompt_outputs_failed_validation');
    assert.equal(body.problems[0]?.code, 'MISSING_INPUT');
    const badTargets = await api(t.url, `${L}/prompts`, { json: { graph: chain(1), targets: ['src'] } });
    assert.equal(badTargets.status, 400);
    const badId = await api(t.url, `${L}/prompts`, { json: { graph: chain(1), clientId: 'has space' } });
    assert.equal(badId.status, 400);
    assert.match((badId.body as { error: { message: string } }).error.message, /clientId/);
  });
});

describe('queue and history', () => {
  test('reorder, cancel a pending one, cancel the running one, clear', async () => {
    const running = ((await api(t.url, `${L}/prompts`, { json: { graph: chain(100, 1500) } })).body as { promptId: string }).promptId;
    for (let i = 0; i < 100; i++) {
      if (((await api(t.url, `${L}/queue`)).body as { running: unknown[] }).running.length > 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const ids: string[] = [];
    for (const v of [101, 102, 103]) ids.push(((await api(t.url, `${L}/prompts`, { json: { graph: chain(v) } })).body as { promptId: string }).promptId);
    const moved = await api(t.url, `${L}/queue/${ids[2]}/move`, { json: { index: 0 } });
    assert.deepEqual(
      (moved.body as { pending: { promptId: string }[] }).pending.map((p) => p.promptId),
      [ids[2], ids[0], ids[1]],
    );
    const moved2 = await api(t.url, `${L}/queue/${ids[2]}/move`, { json: { index: 1 } });
    assert.deepEqual(
      (moved2.body as { pending: { promptId: string }[] }).pending.map((p) => p.promptId),
      [ids[0], ids[2], ids[1]],
    );
    const comfyView = (await api(t.url, '/queue')).body as { queue_pending: [number, string][] };
    assert.deepEqual(
      comfyView.queue_pending.map((i) => i[1]),
      [ids[0], ids[2], ids[1]],
    );
    assert.ok(
      comfyView.queue_pending.every((item, i, all) => i === 0 || item[0] > (all[i - 1]?.[0] ?? -Infinity)),
      'numbers stay ordered',
    );
    assert.equal((await api(t.url, `${L}/queue/nope/move`, { json: { index: 0 } })).status, 404);
    assert.equal((await api(t.url, `${L}/queue/${ids[0]}/move`, { json: { index: -1 } })).status, 400);
    assert.deepEqual((await api(t.url, `${L}/queue/${ids[0]}`, { method: 'DELETE' })).body, { promptId: ids[0], action: 'removed' });
    assert.deepEqual((await api(t.url, `${L}/queue`, { method: 'DELETE' })).body, { removed: 2 });
    assert.deepEqual((await api(t.url, `${L}/queue/${running}`, { method: 'DELETE' })).body, { promptId: running, action: 'interrupted' });
    assert.equal(((await waitDone(running)) as { outcome: string }).outcome, 'interrupted');
    assert.equal((await api(t.url, `${L}/queue/${running}`, { method: 'DELETE' })).status, 404);
  });

  test('history pages newest first (or oldest first) with totals; delete one', async () => {
    for (const v of [201, 202, 203]) await waitDone(((await api(t.url, `${L}/prompts`, { json: { graph: chain(v) } })).body as { promptId: string }).promptId);
    const all = (await api(t.url, `${L}/history?limit=500&order=oldest`)).body as { items: { promptId: string }[]; total: number };
    assert.ok(all.total >= 5);
    const newest = (await api(t.url, `${L}/history?limit=2`)).body as { items: { promptId: string }[]; total: number; offset: number; limit: number };
    assert.deepEqual(
      newest.items.map((i) => i.promptId),
      all.items
        .slice(-2)
        .reverse()
        .map((i) => i.promptId),
    );
    assert.deepEqual([newest.total, newest.offset, newest.limit], [all.total, 0, 2]);
    const second = (await api(t.url, `${L}/history?limit=2&offset=2`)).body as { items: { promptId: string }[] };
    assert.deepEqual(
      second.items.map((i) => i.promptId),
      all.items
        .slice(-4, -2)
        .reverse()
        .map((i) => i.promptId),
    );
    assert.equal((await api(t.url, `${L}/history?limit=0`)).status, 400);
    const victim = all.items[0]?.promptId as string;
    assert.equal((await api(t.url, `${L}/history/${victim}`, { method: 'DELETE' })).status, 200);
    assert.equal((await api(t.url, `${L}/history/${victim}`)).status, 404);
  });
});

describe('templates, models, outputs, system, schema', () => {
  test('save, list and load templates; names with traversal or extensions are refused', async () => {
    const graph = { ...chain(3), meta: { title: 'Three', description: 'A test template' } };
    assert.deepEqual((await api(t.url, `${L}/templates/three`, { method: 'PUT', json: graph })).body, { name: 'three' });
    assert.deepEqual(JSON.parse(readFileSync(join(t.dirs.graphs, 'three.json'), 'utf8')), graph);
    const list = (await api(t.url, `${L}/templates`)).body as { templates: { name: string; title?: string }[] };
    assert.deepEqual(
      list.templates.map((x) => [x.name, x.title]),
      [['three', 'Three']],
    );
    assert.deepEqual((await api(t.url, `${L}/templates/three`)).body, graph);
    for (const name of ['..%2F..%2Fetc%2Fpasswd', '.hidden', 'a.json', 'a%00b', '%2Fetc%2Fpasswd']) {
      assert.equal((await api(t.url, `${L}/templates/${name}`)).status, 400, name);
      assert.equal((await api(t.url, `${L}/templates/${name}`, { method: 'PUT', json: graph })).status, 400, name);
    }
    assert.equal((await api(t.url, `${L}/templates/missing`)).status, 404);
    assert.equal((await api(t.url, `${L}/templates/bad`, { method: 'PUT', json: { nodes: {} } })).status, 400, 'not a graph document');
    symlinkSync('/etc/hostname', join(t.dirs.graphs, 'escape.json'));
    assert.equal((await api(t.url, `${L}/templates/escape`)).status, 403);
  });

  test('models: pipelines are folders with model_index.json; LoRAs and upscalers are listed', async () => {
    mkdirSync(join(t.dirs.models, 'pipe-a', 'unet'), { recursive: true });
    writeFileSync(join(t.dirs.models, 'pipe-a', 'model_index.json'), '{}');
    mkdirSync(join(t.dirs.models, 'not-a-pipeline'), { recursive: true });
    mkdirSync(join(t.dirs.models, 'loras', 'set'), { recursive: true });
    writeFileSync(join(t.dirs.models, 'loras', 'set', 'x.safetensors'), 'x');
    mkdirSync(join(t.dirs.models, 'upscale_models'), { recursive: true });
    writeFileSync(join(t.dirs.models, 'upscale_models', 'up.onnx'), 'x');
    assert.deepEqual((await api(t.url, `${L}/models`)).body, { pipelines: ['pipe-a'], loras: ['set/x.safetensors'], upscaleModels: ['up.onnx'] });
  });

  test('outputs list files with /view URLs; system reports device, memory and versions; schema is OpenAPI', async () => {
    const ws = await WsProbe.connect(`${t.wsUrl}/ws?clientId=out`);
    const id = (
      (
        await api(t.url, '/prompt', {
          json: {
            prompt: {
              '1': { class_type: 'Source', inputs: { value: 9 } },
              '2': { class_type: 'StubSaveImage', inputs: { x: ['1', 0], filenamePrefix: 'listed' } },
            },
            client_id: 'out',
          },
        })
      ).body as { prompt_id: string }
    ).prompt_id;
    await ws.waitForEnd(id);
    ws.close();
    const outputs = (await api(t.url, `${L}/outputs?limit=10`)).body as { items: { filename: string; url: string; size: number }[]; total: number };
    const file = outputs.items.find((f) => f.filename.startsWith('listed_'));
    assert.ok(file);
    assert.ok(file.size > 0);
    assert.equal((await api(t.url, file.url)).status, 200);
    const system = (await api(t.url, `${L}/system`)).body as {
      device: string;
      memory: { total: number; rss: number };
      versions: { node: string; loom: string };
    };
    assert.equal(system.device, 'cpu');
    assert.ok(system.memory.total > system.memory.rss);
    assert.equal(system.versions.node, process.versions.node);
    const schema = (await api(t.url, `${L}/schema`)).body as { openapi: string; paths: Record<string, unknown> };
    assert.equal(schema.openapi, '3.1.0');
    assert.ok('/loom/api/prompts' in schema.paths);
  });

  test('a loom socket with ?all=1 watches every prompt; ComfyUI prompts are visible there too', async () => {
    const watcher = await WsProbe.connect(`${t.wsUrl}/loom/ws?all=1`);
    const id = ((await api(t.url, '/prompt', { json: { prompt: comfyChain(404) } })).body as { prompt_id: string }).prompt_id;
    const done = await watcher.waitFor((m) => m.type === 'prompt.done' && m.data.promptId === id);
    assert.equal(done.data.outcome, 'success');
    watcher.close();
  });
});
