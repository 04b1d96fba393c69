/**
 * Scale-out bench part about routing: a mixed workload of prompts on a pipeline that loads in a
 * millisecond (`tiny`) and one that takes 3 s to load (`large`, a timer in the stub loader: no CPU),
 * on one worker that has `large` loaded and one fresh worker, routed with cost-based affinity or
 * without affinity (`loom-server --affinity off`). Every prompt then sleeps 500 ms.
 */
import { Cluster } from '../../test/scaleout/helpers/cluster.ts';
import { history, submit, until, WsProbe } from '../../test/scaleout/helpers/prompts.ts';

export const LARGE_LOAD_MS = 3000;
export const RUN_MS = 500;
const models = ['tiny', 'large'];
const loadMs = { large: LARGE_LOAD_MS };

let seed = 0;
const onPipeline = (pipeline: string): Record<string, unknown> => ({
  '1': { class_type: 'StubPipeline', inputs: { pipeline, seed: ++seed } },
  '2': { class_type: 'Sleep', inputs: { x: ['1', 0], ms: RUN_MS } },
  '3': { class_type: 'Tag', inputs: { x: ['2', 0] } },
});

/** Prompts per second for `count` prompts, alternating large and tiny, submitted at once, and how many loaded `large` cold. */
export async function mixedThroughput(affinity: 'cost' | 'off', count: number): Promise<{ rate: number; largeLoads: number }> {
  const cluster = await Cluster.start([{ name: 'warm', models, loadMs }], ['--affinity', affinity]);
  try {
    // The warm worker loads `large` (measuring the load) before the fresh one joins.
    const warmUp = await submit(cluster.url, onPipeline('large'));
    await until('the warm-up prompt', () => history(cluster.url, warmUp), 60_000);
    await cluster.startWorker({ name: 'fresh', models, loadMs });
    const ws = await WsProbe.connect(`${cluster.url.replace(/^http/, 'ws')}/ws?clientId=bench-mixed`);
    try {
      const start = performance.now();
      const ids: string[] = [];
      for (let i = 0; i < count; i++) ids.push(await submit(cluster.url, onPipeline(i % 2 === 0 ? 'large' : 'tiny'), 'bench-mixed'));
      for (const id of ids) await ws.waitForEnd(id, 120_000);
      const rate = count / ((performance.now() - start) / 1000);
      let largeLoads = 0;
      for (const [i, id] of ids.entries()) if (i % 2 === 0 && (await history(cluster.url, id))?.outputs['1']?.cold?.[0] === true) largeLoads++;
      return { rate, largeLoads };
    } finally {
      ws.close();
    }
  } finally {
    await cluster.close();
  }
}
