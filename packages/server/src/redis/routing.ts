/**
 * The routing step: which pending prompt goes to which idle worker. Pure, so it is tested on its own.
 *
 * Prompts are considered in queue order (ComfyUI's priority), and a prompt no idle worker can run does
 * not hold up the ones behind it. For each prompt:
 * 1. an idle worker that has all its pipelines loaded gets it (a cold load of a real UNet costs tens of
 *    seconds);
 * 2. otherwise, if a busy worker has them loaded and the prompt has waited less than `coldGraceMs`, it
 *    waits for that worker rather than loading them cold elsewhere;
 * 3. otherwise an idle worker that has the pipelines on disk loads them, preferring the worker whose
 *    loaded pipelines no other pending prompt needs (so it evicts nothing useful), then the one with the
 *    fewest loaded.
 */

export interface RoutablePrompt {
  promptId: string;
  models: string[];
  /** How long it has been waiting to run. */
  waitedMs: number;
}

export interface RoutableWorker {
  id: string;
  /** Pipelines in its models folder. */
  models: string[];
  /** Pipelines it has loaded. */
  loaded: string[];
  idle: boolean;
}

export interface Assignment {
  promptId: string;
  workerId: string;
  /** The worker has the prompt's pipelines loaded already. */
  hot: boolean;
}

const hasAll = (have: readonly string[], need: readonly string[]): boolean => need.every((m) => have.includes(m));

/** Can any live worker run a prompt needing `models`? (No workers at all: unknown, so yes.) */
export function runnableBySomeWorker(models: readonly string[], workers: readonly { models: readonly string[] }[]): boolean {
  return workers.length === 0 || workers.some((w) => hasAll(w.models, models));
}

export function route(pending: readonly RoutablePrompt[], workers: readonly RoutableWorker[], coldGraceMs: number): Assignment[] {
  const free = new Set(workers.filter((w) => w.idle).map((w) => w.id));
  const assignments: Assignment[] = [];
  pending.forEach((prompt, position) => {
    if (free.size === 0) return;
    const eligible = workers.filter((w) => free.has(w.id) && hasAll(w.models, prompt.models));
    if (eligible.length === 0) return;
    // A prompt with no pipeline is "hot" anywhere; it then takes the worker holding nothing others need.
    const hot = prompt.models.length > 0 ? eligible.filter((w) => hasAll(w.loaded, prompt.models)) : [];
    let chosen = hot[0];
    if (!chosen) {
      const busyHot = workers.some((w) => !w.idle && prompt.models.length > 0 && hasAll(w.loaded, prompt.models));
      if (busyHot && prompt.waitedMs < coldGraceMs) return;
      const neededLater = new Set(pending.slice(position + 1).flatMap((p) => p.models));
      const cost = (w: RoutableWorker): [number, number] => [w.loaded.filter((m) => neededLater.has(m)).length, w.loaded.length];
      chosen = [...eligible].sort((a, b) => {
        const [ua, la] = cost(a);
        const [ub, lb] = cost(b);
        return ua - ub || la - lb || a.id.localeCompare(b.id);
      })[0];
    }
    if (!chosen) return;
    free.delete(chosen.id);
    assignments.push({ promptId: prompt.promptId, workerId: chosen.id, hot: hot.length > 0 });
  });
  return assignments;
}
