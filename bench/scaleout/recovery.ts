/**
 * Scale-out bench parts about liveness: what the heartbeats and polling cost Redis, and how long a
 * SIGKILLed worker's prompt takes to start again on another worker.
 */
import { Redis } from 'ioredis';
import type { Cluster } from '../../test/scaleout/helpers/cluster.ts';
import { submit, WsProbe } from '../../test/scaleout/helpers/prompts.ts';

let unique = 0;

/** `Source → Sleep(ms) → Tag`: a prompt that keeps its worker busy without using the CPU. */
export function sleeper(ms: number): Record<string, unknown> {
  return {
    '1': { class_type: 'Source', inputs: { value: ++unique % 1000 } },
    '2': { class_type: 'Sleep', inputs: { x: ['1', 0], ms } },
    '3': { class_type: 'Tag', inputs: { x: ['2', 0] } },
  };
}

/** Commands per second Redis processed over `ms` (INFO's total_commands_processed), from every client. */
export async function commandRate(url: string, ms: number): Promise<number> {
  const redis = new Redis(url);
  try {
    const count = async (): Promise<number> => Number(/total_commands_processed:(\d+)/.exec(await redis.info('stats'))?.[1] ?? 0);
    const before = await count();
    const start = performance.now();
    await new Promise((r) => setTimeout(r, ms));
    const after = await count();
    // The two INFO calls and this client's own commands are in the count: 2 of them, negligible.
    return (after - before - 1) / ((performance.now() - start) / 1000);
  } finally {
    redis.disconnect();
  }
}

/**
 * Kills the worker running a prompt while the cluster's other workers are idle, `times` times, and
 * measures from the kill to the prompt's second `execution_start` (its re-run beginning elsewhere).
 * Each victim is restarted before the next round. Returns the samples in ms.
 */
export async function recoveryTimes(cluster: Cluster, times: number): Promise<number[]> {
  const ws = await WsProbe.connect(`${cluster.url.replace(/^http/, 'ws')}/ws?clientId=bench-recovery`);
  const redis = new Redis(cluster.redis.url);
  const samples: number[] = [];
  try {
    for (let i = 0; i < times; i++) {
      const id = await submit(cluster.url, sleeper(4000), 'bench-recovery');
      await ws.waitFor((m) => m.type === 'executing' && m.data.prompt_id === id && m.data.node === '2', 20_000);
      const victim = (await redis.hget(`loom:run:${id}`, 'worker')) as string;
      await cluster.killWorker(victim);
      const killed = performance.now();
      const starts = (): number => ws.forPrompt(id).filter((m) => m.type === 'execution_start').length;
      await ws.waitFor((m) => m.type === 'execution_start' && m.data.prompt_id === id && starts() === 2, 30_000);
      samples.push(performance.now() - killed);
      await ws.waitForEnd(id, 30_000);
      await cluster.restartWorker(victim);
    }
  } finally {
    ws.close();
    redis.disconnect();
  }
  return samples;
}
