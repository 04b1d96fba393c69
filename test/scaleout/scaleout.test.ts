/**
 * Scale-out on real processes: redis-server, one API server started with --redis and three workers,
 * each with its own folders as on separate machines. Worker a has pipeline alpha, b alpha and beta,
 * c alpha. The graphs use the engine's stub nodes (Slow, Collect-like outputs) and a PNG-writing node.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { createServer, type LoomServer } from '../../packages/server/src/create-server.ts';
import { tinyPng } from '../server/helpers/test-nodes.ts';
import { Cluster, stop } from './helpers/cluster.ts';
import { api, history, pipelinePrompt, shape, slowSave, submit, until, WsProbe, type HistoryEntry } from './helpers/prompts.ts';
import { redisMissing } from './helpers/redis-process.ts';
import { stubHost } from './helpers/stub-host.ts';

const skip = redisMissing();

describe('scale-out: one server, three workers', { skip: skip ?? false }, () => {
  let cluster: Cluster;
  let wsUrl: string;
  let restarting: Promise<void> = Promise.resolve();

  before(async () => {
    cluster = await Cluster.start([
      { name: 'a', models: ['alpha'] },
      { name: 'b', models: ['alpha', 'beta'] },
      { name: 'c', models: ['alpha'] },
    ]);
    wsUrl = cluster.url.replace(/^http/, 'ws');
  });

  after(async () => {
    await restarting.catch(() => {});
    await cluster?.close();
  });

  test('prompts from several clients all complete, each client gets its own events, in embedded order', async () => {
    const expected = await embeddedShape(slowSave(5, 200, 'emb'));
    const clients = await Promise.all(['c0', 'c1', 'c2'].map((id) => WsProbe.connect(`${wsUrl}/ws?clientId=${id}`)));
    try {
      const submitted = await Promise.all(
        clients.flatMap((_c, ci) =>
          [0, 1, 2].map(async (k) => ({ ci, value: 10 * ci + k + 1, id: await submit(cluster.url, slowSave(10 * ci + k + 1, 200, 'multi'), `c${ci}`) })),
        ),
      );
      await Promise.all(submitted.map(({ ci, id }) => (clients[ci] as WsProbe).waitForEnd(id, 30_000)));
      const workers = new Set<string>();
      for (const { ci, value, id } of submitted) {
        const client = clients[ci] as WsProbe;
        assert.deepEqual(shape(client.forPrompt(id)), expected, `prompt ${id} of client c${ci}:\n${cluster.logs()}`);
        for (const other of clients) if (other !== client) assert.equal(other.forPrompt(id).length, 0, 'another client saw this prompt');
        const entry = await history(cluster.url, id);
        assert.equal(entry?.status.status_str, 'success');
        workers.add(String(entry?.outputs['4']?.worker?.[0]));
        // The PNG the worker wrote, streamed to the server: /view serves exactly the bytes for this value.
        const image = entry?.outputs['3']?.images?.[0] as { filename: string; subfolder: string; type: string };
        const view = await fetch(`${cluster.url}/view?filename=${encodeURIComponent(image.filename)}&type=output`);
        assert.equal(view.status, 200);
        assert.deepEqual(Buffer.from(await view.arrayBuffer()), tinyPng(4, 4, [value, 0, 0]), `image of value ${value}`);
      }
      // Nine prompts, three idle workers: the first three go to three different workers.
      assert.deepEqual([...workers].sort(), ['a', 'b', 'c']);
      const stored = readdirSync(join(cluster.root, 'server', 'out')).filter((n) => n.startsWith('multi'));
      assert.equal(stored.length, 9, `each worker numbers its files from 1, so names collide and are suffixed: ${stored.join(', ')}`);
    } finally {
      for (const c of clients) c.close();
    }
  });

  test('a pipeline no worker has is refused at submission with a clear error', async () => {
    const res = await api(cluster.url, '/prompt', { json: { prompt: pipelinePrompt('gamma', 1) } });
    assert.equal(res.status, 400);
    const error = (res.body as { error: { type: string; message: string; extra_info: { node_id: string; models: string[] } } }).error;
    assert.equal(error.type, 'model_unavailable');
    assert.match(error.message, /No worker has the pipeline "gamma" \(node 1, input "pipeline"\)/);
    assert.deepEqual(error.extra_info.models, ['gamma']);
    assert.deepEqual(((await api(cluster.url, '/queue')).body as { queue_pending: unknown[] }).queue_pending, []);
  });

  test('routing: a prompt runs where its pipeline is, and again where it is loaded', async () => {
    const run = async (pipeline: string, seed: number): Promise<{ worker: string; cold: boolean }> => {
      const id = await submit(cluster.url, pipelinePrompt(pipeline, seed));
      const entry = await until(`prompt ${id}`, () => history(cluster.url, id));
      assert.equal(entry.status.status_str, 'success', JSON.stringify(entry.status));
      return { worker: String(entry.outputs['1']?.worker?.[0]), cold: entry.outputs['1']?.cold?.[0] === true };
    };
    assert.deepEqual(await run('beta', 1), { worker: 'b', cold: true }, 'only b has beta');
    // Nobody has alpha loaded; b holds beta, so a worker with nothing loaded (a, then c by name) loads it.
    assert.deepEqual(await run('alpha', 2), { worker: 'a', cold: true });
    for (const seed of [3, 4, 5])
      assert.deepEqual(await run('alpha', seed), { worker: 'a', cold: false }, `seed ${seed}: stays on the worker that has alpha loaded`);
    assert.deepEqual(await run('beta', 6), { worker: 'b', cold: false });
    // /free unloads everywhere: the next alpha prompt loads cold again.
    assert.equal((await api(cluster.url, '/free', { json: { unload_models: true } })).status, 200);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await run('alpha', 7)).cold, true);
  });

  test('an uploaded input file travels with the prompt to a worker on another "machine"', async () => {
    const png = tinyPng(3, 3, [1, 2, 3]);
    const form = new FormData();
    form.append('image', new Blob([png], { type: 'image/png' }), 'cat.png');
    form.append('subfolder', 'uploads');
    const uploaded = (await api(cluster.url, '/upload/image', { method: 'POST', body: form })).body as { name: string; subfolder: string };
    const id = await submit(cluster.url, { '1': { class_type: 'ReadInput', inputs: { image: `${uploaded.subfolder}/${uploaded.name}` } } });
    const entry = await until(`prompt ${id}`, () => history(cluster.url, id));
    assert.equal(entry.status.status_str, 'success', JSON.stringify(entry.status));
    assert.deepEqual(entry.outputs['1']?.sha256, [createHash('sha256').update(png).digest('hex')]);
    assert.deepEqual(entry.outputs['1']?.bytes, [png.length]);
  });

  test('a worker killed mid-prompt: the prompt is re-run on another worker and published exactly once', async () => {
    const ws = await WsProbe.connect(`${wsUrl}/ws?clientId=kill`);
    const redis = new Redis(cluster.redis.url);
    let victim = '';
    try {
      // The save node (3) finishes at once and publishes its PNG; the kill comes during Slow (2).
      const prompt = {
        '1': { class_type: 'Source', inputs: { value: 77 } },
        '3': { class_type: 'StubSaveImage', inputs: { x: ['1', 0], filenamePrefix: 'kill' } },
        '2': { class_type: 'Slow', inputs: { x: ['1', 0], ms: 3000, steps: 6 } },
        '4': { class_type: 'Tag', inputs: { x: ['2', 0] } },
      };
      const id = await submit(cluster.url, prompt, 'kill');
      await ws.waitFor((m) => m.type === 'executed' && m.data.prompt_id === id && m.data.node === '3', 10_000);
      await ws.waitFor((m) => m.type === 'progress' && m.data.prompt_id === id && m.data.node === '2', 10_000);
      victim = (await redis.hget(`loom:run:${id}`, 'worker')) as string;
      assert.ok(['a', 'b', 'c'].includes(victim), `running on ${victim}`);
      await cluster.killWorker(victim);
      await ws.waitForEnd(id, 30_000);

      const messages = ws.forPrompt(id);
      const count = (type: string, node?: string): number => messages.filter((m) => m.type === type && (node === undefined || m.data.node === node)).length;
      assert.equal(count('execution_start'), 2, 'the second attempt announces its start');
      assert.equal(count('execution_success'), 1);
      assert.equal(count('executed', '4'), 1);
      // Both attempts ran the save node; the second gets the first publication back, not a second file.
      const saved = messages.filter((m) => m.type === 'executed' && m.data.node === '3').map((m) => JSON.stringify(m.data.output));
      assert.equal(saved.length, 2);
      assert.equal(saved[0], saved[1]);
      const entry = (await history(cluster.url, id)) as HistoryEntry;
      assert.equal(entry.status.status_str, 'success');
      assert.notEqual(entry.outputs['4']?.worker?.[0], victim, 'finished on another worker');
      assert.equal(JSON.stringify(entry.outputs['3']), saved[0]);
      const files = readdirSync(join(cluster.root, 'server', 'out')).filter((n) => n.startsWith('kill'));
      assert.equal(files.length, 1, `one output file: ${files.join(', ')}`);
      assert.deepEqual(readFileSync(join(cluster.root, 'server', 'out', files[0] as string)), tinyPng(4, 4, [77, 0, 0]));
      assert.equal(await redis.exists(`loom:run:${id}`), 0, 'no run state left behind');
      assert.deepEqual(await redis.keys('loom:file:*'), [], 'no streamed file left in Redis');
    } finally {
      ws.close();
      redis.disconnect();
    }
    // Back in the background: the next tests run on two workers or three.
    restarting = cluster.restartWorker(victim);
  });

  test('interrupting a prompt reaches the worker running it', async () => {
    const ws = await WsProbe.connect(`${wsUrl}/ws?clientId=int`);
    try {
      const id = await submit(cluster.url, slowSave(9, 8000, 'int', 40), 'int');
      await ws.waitFor((m) => m.type === 'progress' && m.data.prompt_id === id, 10_000);
      assert.equal((await api(cluster.url, '/interrupt', { json: { prompt_id: id } })).status, 200);
      const interrupted = await ws.waitFor((m) => m.type === 'execution_interrupted' && m.data.prompt_id === id, 5000);
      assert.equal(interrupted.data.node_id, '2');
      await ws.waitForEnd(id, 5000);
      const entry = (await history(cluster.url, id)) as HistoryEntry;
      assert.equal(entry.status.status_str, 'error');
      assert.ok(entry.status.messages.some(([type]) => type === 'execution_interrupted'));
      assert.deepEqual(
        readdirSync(join(cluster.root, 'server', 'out')).filter((n) => n.startsWith('int')),
        [],
        'the save node never ran',
      );
    } finally {
      ws.close();
    }
  });

  test('a node that blocks its thread longer than the heartbeat timeout does not look like a dead worker', async () => {
    // onnxruntime-node loads sessions synchronously (tens of seconds for a real UNet). The engine runs in
    // its own thread, so the worker keeps its 2 s heartbeat going and no second attempt starts.
    const ws = await WsProbe.connect(`${wsUrl}/ws?clientId=block`);
    try {
      const prompt = {
        '1': { class_type: 'Source', inputs: { value: 3 } },
        '2': { class_type: 'Block', inputs: { x: ['1', 0], ms: 5000 } },
        '3': { class_type: 'Tag', inputs: { x: ['2', 0] } },
      };
      const id = await submit(cluster.url, prompt, 'block');
      await ws.waitForEnd(id, 20_000);
      const types = ws.forPrompt(id).map((m) => m.type);
      assert.equal(types.filter((t) => t === 'execution_start').length, 1, 'one attempt only');
      assert.equal(types.filter((t) => t === 'execution_success').length, 1);
    } finally {
      ws.close();
    }
  });

  test('Redis restarts: server and workers reconnect, running and queued prompts all complete', async () => {
    const ws = await WsProbe.connect(`${wsUrl}/ws?clientId=rr`);
    try {
      const values = [101, 102, 103, 104, 105, 106];
      const ids: string[] = [];
      for (const v of values) ids.push(await submit(cluster.url, slowSave(v, 1500, 'rr'), 'rr'));
      await ws.waitFor((m) => m.type === 'progress' && m.data.prompt_id === ids[0], 10_000);
      const pending = ((await api(cluster.url, '/queue')).body as { queue_pending: unknown[][] }).queue_pending;
      assert.ok(pending.length >= 3, `three workers: at least three prompts wait (${pending.length})`);
      await cluster.redis.restart();
      for (const id of ids) await ws.waitForEnd(id, 30_000);
      for (const [i, id] of ids.entries()) {
        const entry = (await history(cluster.url, id)) as HistoryEntry;
        assert.equal(entry.status.status_str, 'success', `${id}: ${JSON.stringify(entry.status)}\n${cluster.logs()}`);
        const image = entry.outputs['3']?.images?.[0] as { filename: string };
        assert.deepEqual(readFileSync(join(cluster.root, 'server', 'out', image.filename)), tinyPng(4, 4, [values[i] as number, 0, 0]));
      }
    } finally {
      ws.close();
    }
  });

  test('the API server is killed mid-run: workers carry on, and the restarted server records every prompt', async () => {
    const values = [201, 202, 203, 204];
    const ids: string[] = [];
    for (const v of values) ids.push(await submit(cluster.url, slowSave(v, 1500, 'sr')));
    await until('a prompt to run', async () =>
      ((await api(cluster.url, '/queue')).body as { queue_running: unknown[] }).queue_running.length > 0 ? true : undefined,
    );
    await stop(cluster.server as NonNullable<typeof cluster.server>, 'SIGKILL');
    await cluster.startServer();
    for (const [i, id] of ids.entries()) {
      const entry = await until(`prompt ${id} after the restart`, () => history(cluster.url, id), 30_000);
      assert.equal(entry.status.status_str, 'success', `${id}: ${JSON.stringify(entry.status)}`);
      const image = entry.outputs['3']?.images?.[0] as { filename: string };
      assert.deepEqual(readFileSync(join(cluster.root, 'server', 'out', image.filename)), tinyPng(4, 4, [values[i] as number, 0, 0]));
    }
    const queue = (await api(cluster.url, '/queue')).body as { queue_running: unknown[]; queue_pending: unknown[] };
    assert.deepEqual([queue.queue_running, queue.queue_pending], [[], []]);
  });
});

/** The message shape of one prompt on an embedded server with the same nodes. */
async function embeddedShape(prompt: Record<string, unknown>): Promise<string[]> {
  const root = mkdtempSync(join(tmpdir(), 'loom-embedded-'));
  let server: LoomServer | null = null;
  try {
    server = await createServer({
      host: stubHost({ outputDir: join(root, 'out'), inputDir: join(root, 'in'), modelsDir: join(root, 'models') }),
      dataDir: join(root, 'data'),
      templatesDir: root,
      log: () => {},
    });
    const { url } = await server.listen(0);
    const ws = await WsProbe.connect(`${url.replace(/^http/, 'ws')}/ws?clientId=emb`);
    const id = await submit(url, prompt, 'emb');
    await ws.waitForEnd(id, 10_000);
    ws.close();
    return shape(ws.forPrompt(id));
  } finally {
    await server?.close();
    rmSync(root, { recursive: true, force: true });
  }
}
