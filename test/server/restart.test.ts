/**
 * Persistence across a real SIGKILL of a real server process: pending prompts are still pending after
 * the restart and then run; the prompt that was running is recorded as failed (documented: it is not
 * re-run); history written before the kill is intact; no temporary files are left behind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { api, comfyChain, makeDirs, type Dirs } from './helpers/test-server.ts';

const script = fileURLToPath(new URL('./helpers/stub-server.ts', import.meta.url));
const repo = fileURLToPath(new URL('../..', import.meta.url));

async function launch(dirs: Dirs): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      script,
      '--port',
      '0',
      '--data',
      dirs.data,
      '--out',
      dirs.output,
      '--input',
      dirs.input,
      '--models',
      dirs.models,
      '--graphs',
      dirs.graphs,
    ],
    {
      cwd: repo,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out} ${stderr}`)), 20_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const match = /Loom is running at (http:\/\/[^/\s]+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1] as string);
      }
    });
    child.once('exit', (code) => reject(new Error(`server exited (${code}): ${stderr}`)));
  });
  return { child, url };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

type History = Record<
  string,
  { status: { status_str: string; completed: boolean; messages: [string, Record<string, unknown>][] }; outputs: Record<string, unknown> }
>;

test('SIGKILL mid-run: queued prompts survive, the running one is recorded as failed, history is intact', async () => {
  const dirs = makeDirs();
  const first = await launch(dirs);
  try {
    const done = ((await api(first.url, '/prompt', { json: { prompt: comfyChain(1), prompt_id: 'done-before' } })).body as { prompt_id: string }).prompt_id;
    await until('first prompt in history', async () => ((await api(first.url, `/history/${done}`)).body as History)[done]);
    await api(first.url, '/prompt', { json: { prompt: comfyChain(2, 8000), prompt_id: 'was-running' } });
    await until('the long prompt to run', async () => {
      const q = (await api(first.url, '/queue')).body as { queue_running: unknown[][] };
      return q.queue_running[0]?.[1] === 'was-running' ? true : undefined;
    });
    for (const id of ['pending-1', 'pending-2']) await api(first.url, '/prompt', { json: { prompt: comfyChain(id === 'pending-1' ? 3 : 4), prompt_id: id } });
    const before = (await api(first.url, '/queue')).body as { queue_pending: unknown[][] };
    assert.deepEqual(
      before.queue_pending.map((i) => i[1]),
      ['pending-1', 'pending-2'],
    );
  } finally {
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
  }
  // What the killed server left on disk: the acknowledged state.
  const onDisk = JSON.parse(readFileSync(join(dirs.data, 'queue.json'), 'utf8')) as { running: { promptId: string }; pending: { promptId: string }[] };
  assert.equal(onDisk.running.promptId, 'was-running');
  assert.deepEqual(
    onDisk.pending.map((p) => p.promptId),
    ['pending-1', 'pending-2'],
  );

  const second = await launch(dirs);
  try {
    const history = await until('the pending prompts to finish after the restart', async () => {
      const h = (await api(second.url, '/history')).body as History;
      return h['pending-1'] && h['pending-2'] ? h : undefined;
    });
    assert.deepEqual(Object.keys(history), ['done-before', 'was-running', 'pending-1', 'pending-2']);
    assert.equal(history['done-before']?.status.status_str, 'success');
    assert.deepEqual(history['done-before']?.outputs, { '3': { values: [1], label: ['v1'] } });
    const crashed = history['was-running'];
    assert.equal(crashed?.status.status_str, 'error');
    assert.equal(crashed?.status.completed, false);
    const error = crashed?.status.messages.find(([type]) => type === 'execution_error')?.[1];
    assert.match(String(error?.exception_message), /server stopped .* while this prompt was running/);
    for (const id of ['pending-1', 'pending-2']) assert.equal(history[id]?.status.status_str, 'success', id);
    assert.deepEqual(((await api(second.url, '/queue')).body as { queue_pending: unknown[] }).queue_pending, []);
    const leftovers = [...readdirSync(dirs.data), ...readdirSync(join(dirs.data, 'history'))].filter((n) => n.endsWith('.tmp'));
    assert.deepEqual(leftovers, []);
  } finally {
    second.child.kill('SIGTERM');
    await new Promise((r) => second.child.once('exit', r));
    rmSync(dirs.root, { recursive: true, force: true });
  }
});
