/**
 * One entry point: scheduler name + the model folder's `scheduler_config.json` → a {@link Scheduler}.
 * The config is read the way diffusers' `XScheduler.from_config(pipe.scheduler.config)` reads it: keys in
 * the file win, the chosen class's defaults fill the rest.
 */
import { readFile } from 'node:fs/promises';
import { LoomError } from '@loom/engine';
import { parseSchedulerConfig, type SchedulerConfigFile } from './config.ts';
import { DdimScheduler } from './ddim.ts';
import { DpmSolverMultistepScheduler } from './dpm-solver-multistep.ts';
import { EulerAncestralScheduler } from './euler-ancestral.ts';
import { EulerScheduler } from './euler.ts';
import { LcmScheduler } from './lcm.ts';
import { SCHEDULER_NAMES, type Scheduler, type SchedulerName } from './scheduler.ts';
import { parsePythonJson } from '../python-json.ts';

/** Build a scheduler from a parsed (or raw JSON) config; throws on an unknown name or a bad config. */
export function createScheduler(name: SchedulerName, config: SchedulerConfigFile | unknown = {}): Scheduler {
  const file = parseSchedulerConfig(config, name);
  switch (name) {
    case 'euler':
      return new EulerScheduler(file);
    case 'euler_ancestral':
      return new EulerAncestralScheduler(file);
    case 'ddim':
      return new DdimScheduler(file);
    case 'dpmpp_2m':
      return new DpmSolverMultistepScheduler(file, false);
    case 'dpmpp_2m_karras':
      return new DpmSolverMultistepScheduler(file, true);
    case 'lcm':
      return new LcmScheduler(file);
    default:
      throw new LoomError('PARAM_INVALID', `unknown scheduler "${String(name)}"; expected one of ${SCHEDULER_NAMES.join(', ')}`);
  }
}

/**
 * Read a `scheduler_config.json`. A missing file is an error, not "all class defaults": the defaults
 * differ from every real model's config (SD's `steps_offset` 1, `leading` spacing), so falling back to
 * them silently gives wrong timesteps.
 */
export async function readSchedulerConfig(path: string): Promise<SchedulerConfigFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new LoomError('MODEL_NOT_FOUND', `Scheduler config ${path} does not exist. Copy scheduler/scheduler_config.json from the model's repository.`, {
        cause,
      });
    }
    throw new LoomError('BAD_FILE', `Cannot read scheduler config ${path}: ${(cause as Error).message}`, { cause });
  }
  try {
    return parseSchedulerConfig(parsePythonJson(text));
  } catch (cause) {
    // Unsupported values keep their code (UNSUPPORTED_MODEL); text that is not JSON is a bad file.
    const code = cause instanceof LoomError ? cause.code : 'BAD_FILE';
    const reason = (cause as Error).message.replace(/\.?$/, '.');
    throw new LoomError(code, `Scheduler config ${path} is invalid: ${reason} Copy scheduler/scheduler_config.json from the model's repository.`, { cause });
  }
}
