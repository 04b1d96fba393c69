/**
 * The routing step: which pending prompt goes to which idle worker. Pure, so it is tested on its own.
 *
 * Prompts are considered in queue order (ComfyUI's priority), and a prompt no idle worker can run does
 * not hold up the ones behind it. For each prompt:
 * 1. an idle worker that has all its pipelines loaded gets it;
 * 2. otherwise, if a busy worker has them loaded, the prompt waits for it only while its expected wait
 *    is shorter than loading them on the idle worker would take. Both sides are measured by the
 *    workers: each advertises how long its cold loads took (`loadMs`) and how long runs take once
 *    loaded (`runMs`). A real SD UNet takes tens of seconds to load, so a prompt waits for a worker a
 *    few seconds from free; loom-tiny loads in milliseconds, so it never waits while a worker idles;
 * 3. otherwise an idle worker that has the pipelines on disk loads them, preferring the worker whose
 *    loaded pipelines no other pending prompt needs (so it evicts nothing useful), then the one with the
 *    fewest loaded.
 * A prompt that waits adds its expected run time to that worker's queue, so the next prompt that
 * wants the same worker expects a longer wait. With `affinity` off, prompts go to the first idle
 * worker that has their pipelines, as plain competing consumers would take them.
 */

export interface RoutablePrompt {
  promptId: string;
  models: string[];
}

export interface RoutableWorker {
  id: string;
  /** Pipelines in its models folder. */
  models: string[];
  /** Pipelines it has loaded. */
  loaded: string[];
  idle: boolean;
  /** Expected ms until it is free (0 when idle). */
  freeInMs: number;
  /** Pipeline → ms its last cold load took on this worker. */
  loadMs: Record<string, number>;
  /** Pipeline set ({@link modelSetKey}) → ms a run takes on this worker once loaded. */
  runMs: Record<string, number>;
}

export interface Assignment {
  promptId: string;
  workerId: string;
  /** The worker has the prompt's pipelines loaded already. */
  hot: boolean;
}

const hasAll = (have: readonly string[], need: readonly string[]): boolean => need.every((m) => have.includes(m));

/** The key a pipeline set's run times are kept under: its names, sorted, joined by `+`. */
export function modelSetKey(models: readonly string[]): string {
  return [...models].sort().join('+');
}

/** Can any live worker run a prompt needing `models`? (No workers at all: unknown, so yes.) */
export function runnableBySomeWorker(models: readonly string[], workers: readonly { models: readonly string[] }[]): boolean {
  return workers.length === 0 || workers.some((w) => hasAll(w.models, models));
}

/** How long a prompt needing `models` is expected to run on `worker` once loaded; 0 when it has never run anything. */
export function expectedRunMs(worker: Pick<RoutableWorker, 'runMs'>, models: readonly string[]): number {
  const known = worker.runMs[modelSetKey(models)];
  if (known !== undefined) return known;
  const all = Object.values(worker.runMs);
  return all.length > 0 ? all.reduce((a, b) => a + b, 0) / all.length : 0;
}

/**
 * Expected ms left of a run estimated at `estimateMs` that has gone on for `elapsedMs`. Past its
 * estimate a run is expected to go on for as long again as it has overrun, so a worker stuck on a long
 * prompt stops attracting waiters instead of looking about to be free forever.
 */
export function remainingMs(estimateMs: number, elapsedMs: number): number {
  return Math.abs(estimateMs - elapsedMs);
}

/** ms `worker` would spend loading the `models` it lacks: its own measurement, else the slowest another worker reported; undefined if nobody knows. */
export function coldLoadMs(models: readonly string[], worker: RoutableWorker, workers: readonly RoutableWorker[]): number | undefined {
  let total = 0;
  for (const model of models.filter((m) => !worker.loaded.includes(m))) {
    const reported = workers.map((w) => w.loadMs[model]).filter((ms): ms is number => ms !== undefined);
    const ms = worker.loadMs[model] ?? (reported.length > 0 ? Math.max(...reported) : undefined);
    if (ms === undefined) return undefined;
    total += ms;
  }
  return total;
}

export function route(pending: readonly RoutablePrompt[], workers: readonly RoutableWorker[], affinity = true): Assignment[] {
  // Working copies: a worker given a prompt in this pass becomes busy, with that prompt's pipelines.
  const state = new Map(workers.map((w) => [w.id, { ...w, loaded: [...w.loaded] }]));
  const assignments: Assignment[] = [];
  pending.forEach((prompt, position) => {
    const all = [...state.values()];
    const eligible = all.filter((w) => w.idle && hasAll(w.models, prompt.models));
    if (eligible.length === 0) return;
    let chosen: RoutableWorker | undefined = eligible.sort((a, b) => a.id.localeCompare(b.id))[0];
    let hot = false;
    if (affinity) {
      // A prompt with no pipeline is "hot" anywhere; it then takes the worker holding nothing others need.
      const warm = prompt.models.length > 0 ? eligible.filter((w) => hasAll(w.loaded, prompt.models)) : [];
      hot = warm.length > 0;
      chosen = warm[0] ?? leastUseful(eligible, pending.slice(position + 1));
      if (!hot && chosen) {
        const wait = worthWaitingFor(prompt, chosen, all);
        if (wait) {
          wait.freeInMs += expectedRunMs(wait, prompt.models);
          return;
        }
      }
    }
    if (!chosen) return;
    const load = hot ? 0 : (coldLoadMs(prompt.models, chosen, all) ?? 0);
    Object.assign(chosen, { idle: false, freeInMs: load + expectedRunMs(chosen, prompt.models), loaded: [...new Set([...chosen.loaded, ...prompt.models])] });
    assignments.push({ promptId: prompt.promptId, workerId: chosen.id, hot });
  });
  return assignments;
}

/** The idle worker to load a prompt's pipelines on: the one whose loaded pipelines later prompts need least. */
function leastUseful(eligible: RoutableWorker[], later: readonly RoutablePrompt[]): RoutableWorker | undefined {
  const neededLater = new Set(later.flatMap((p) => p.models));
  const cost = (w: RoutableWorker): [number, number] => [w.loaded.filter((m) => neededLater.has(m)).length, w.loaded.length];
  return [...eligible].sort((a, b) => {
    const [ua, la] = cost(a);
    const [ub, lb] = cost(b);
    return ua - ub || la - lb || a.id.localeCompare(b.id);
  })[0];
}

/** The busy worker with the prompt's pipelines loaded that frees up sooner than `cold` would load them, if any. */
function worthWaitingFor(prompt: RoutablePrompt, cold: RoutableWorker, all: RoutableWorker[]): RoutableWorker | undefined {
  if (prompt.models.length === 0) return undefined;
  const soonest = all.filter((w) => !w.idle && hasAll(w.loaded, prompt.models) && hasAll(w.models, prompt.models)).sort((a, b) => a.freeInMs - b.freeInMs)[0];
  const load = coldLoadMs(prompt.models, cold, all);
  return soonest && load !== undefined && soonest.freeInMs < load ? soonest : undefined;
}
