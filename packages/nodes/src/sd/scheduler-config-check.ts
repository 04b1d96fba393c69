/**
 * The model's `scheduler/scheduler_config.json` checked against the sampler chosen in the graph, at
 * validation: a key the scheduler cannot honour (`solver_order: 3` under dpmpp_2m) is reported before any
 * model is loaded, in the same one line the scheduler itself would throw.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LoomError, type CheckProblem } from '@loom/engine';
import { isRelativeName } from '../model-files.ts';
import { resolveScheduler, type Schedule } from './sampler-choice.ts';
import { parseSchedulerConfig, type Sampler } from './schedulers/index.ts';
import { parsePythonJson } from './python-json.ts';

/** The problem with `sampler`/`schedule` on `pipeline` (its scheduler config, or the pair itself), if any. */
export function schedulerConfigProblem(modelsDir: string, pipeline: string, sampler: Sampler, schedule: Schedule): CheckProblem | undefined {
  if (!isRelativeName(pipeline)) return undefined;
  let raw: unknown;
  try {
    raw = parsePythonJson(readFileSync(join(modelsDir, pipeline, 'scheduler', 'scheduler_config.json'), 'utf8'));
  } catch {
    return undefined; // absent or unreadable: reported when the pipeline is read
  }
  const fault =
    (input: string, prefix: string) =>
    (err: unknown): CheckProblem => {
      if (err instanceof LoomError) return { code: err.code, input, message: prefix + err.message };
      throw err;
    };
  let choice: ReturnType<typeof resolveScheduler>;
  try {
    choice = resolveScheduler(sampler, schedule);
  } catch (err) {
    return fault('schedule', '')(err);
  }
  try {
    parseSchedulerConfig({ ...(raw as Record<string, unknown>), ...choice.configOverrides }, choice.name);
  } catch (err) {
    return fault('sampler', `${pipeline}/scheduler/scheduler_config.json: `)(err);
  }
  return undefined;
}
