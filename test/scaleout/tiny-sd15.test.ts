/**
 * The real thing on one worker: the tiny SD1.5 txt2img graph through `npm start -- --redis` and
 * `loom-worker` (the real bins, the real node pack). The ComfyUI messages match an embedded server's
 * for the same graph, previews included, and the PNG the worker wrote is served by the API server
 * byte for byte, identical to the embedded server's (same seed, same engine).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from '../../packages/server/src/create-server.ts';
import { createHost } from '../../packages/server/src/host.ts';
import { spawnEntry, stop, type Proc } from './helpers/cluster.ts';
import { history, shape, submit, WsProbe, type HistoryEntry } from './helpers/prompts.ts';
import { redisMissing, RedisProcess } from './helpers/redis-process.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const models = join(repo, 'models');
const graph = JSON.parse(readFileSync(join(repo, 'graphs', 'tiny-sd15-txt2img.json'), 'utf8')) as Record<string, unknown>;
const skip = redisMissing();

interface Run {
  messages: ReturnType<WsProbe['forPrompt']>;
  previews: number;
  png: Buffer;
  entry: HistoryEntry;
}

async function runOn(url: string, outDir: string): Promise<Run> {
  const ws = await WsProbe.connect(`${url.replace(/^http/, 'ws')}/ws?clientId=sd`);
  try {
    const id = await submit(url, graph, 'sd');
    await ws.waitForEnd(id, 60_000);
    const entry = (await history(url, id)) as HistoryEntry;
    const image = entry.outputs.save?.images?.[0] as { filename: string };
    return { messages: ws.forPrompt(id), previews: ws.binaries.length, png: readFileSync(join(outDir, image.filename)), entry };
  } finally {
    ws.close();
  }
}

describe('scale-out with the real tiny SD1.5 pipeline', { skip: skip ?? false }, () => {
  const root = mkdtempSync(join(tmpdir(), 'loom-scaleout-sd-'));
  let redis: RedisProcess;
  let server: Proc;
  let worker: Proc;
  let url: string;

  before(async () => {
    redis = await RedisProcess.start();
    const bin = (name: string): string => join(repo, 'packages', 'server', 'bin', name);
    server = await spawnEntry(
      bin('loom-server.js'),
      ['--port', '0', '--redis', redis.url, '--data', join(root, 'data'), '--out', join(root, 'server-out'), '--models', models, '--device', 'cpu'],
      /Loom is running at (http:\/\/[^/\s]+)/,
    );
    url = (server as Proc & { match: RegExpExecArray }).match[1] as string;
    worker = await spawnEntry(
      bin('loom-worker.js'),
      ['--redis', redis.url, '--models', models, '--out', join(root, 'worker-out'), '--device', 'cpu', '--name', 'real'],
      /is taking prompts/,
    );
  });

  after(async () => {
    if (worker) await stop(worker, 'SIGKILL');
    if (server) await stop(server, 'SIGKILL');
    await redis?.dispose();
    rmSync(root, { recursive: true, force: true });
  });

  test('txt2img: same messages as embedded, the PNG streamed back byte for byte', async () => {
    const scaled = await runOn(url, join(root, 'server-out'));
    assert.equal(scaled.entry.status.status_str, 'success', JSON.stringify(scaled.entry.status) + server.output() + worker.output());
    const [workerFile] = readdirSync(join(root, 'worker-out'));
    assert.deepEqual(scaled.png, readFileSync(join(root, 'worker-out', workerFile as string)), 'the server stores exactly what the worker wrote');
    // PNG signature and IHDR size: the graph asks for 64×64.
    assert.deepEqual([...scaled.png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.deepEqual([scaled.png.readUInt32BE(16), scaled.png.readUInt32BE(20)], [64, 64]);

    const embeddedOut = join(root, 'embedded-out');
    const embedded = await createServer({
      host: createHost({ modelsDir: models, outputDir: embeddedOut, device: 'cpu' }),
      dataDir: join(root, 'embedded-data'),
      templatesDir: root,
      log: () => {},
    });
    try {
      const { url: embeddedUrl } = await embedded.listen(0);
      const local = await runOn(embeddedUrl, embeddedOut);
      assert.deepEqual(shape(scaled.messages), shape(local.messages));
      assert.equal(scaled.previews, local.previews, 'one binary preview per sampler step in both modes');
      assert.ok(local.previews > 0);
      assert.deepEqual(scaled.png, local.png, 'same seed, same engine: the same image');
    } finally {
      await embedded.close();
    }
  });
});
