/**
 * What this worker measured about its own runs, advertised for cost-based routing (routing.ts): how
 * long loading each pipeline took here when it was cold, and how long a run of each pipeline set takes
 * once loaded. Loading is the run's object-cache creation time (inference sessions, LoRA weights; the
 * prompt's text encodings are in it too, milliseconds beside a UNet's tens of seconds), and a run's
 * own time is its wall time less that loading.
 */
import { modelSetKey } from '../redis/routing.ts';

/** Weight of the newest run in the running estimate of run time: recent prompts count most. */
const NEWEST_WEIGHT = 0.5;

export class RunCosts {
  /** Pipeline → ms its last cold load took here. */
  readonly loadMs: Record<string, number> = {};
  /** Pipeline set ({@link modelSetKey}) → ms a run of it takes once loaded (a running average). */
  readonly runMs: Record<string, number> = {};

  /**
   * Records a successful run of `models`, of which `cold` were not loaded when it started. Their load
   * time is the run's creation time, shared equally when several were loaded at once (rare: a graph
   * with two base models).
   */
  record(models: readonly string[], cold: readonly string[], wallMs: number, createMs: number): void {
    for (const model of cold) this.loadMs[model] = createMs / cold.length;
    const own = Math.max(0, cold.length > 0 ? wallMs - createMs : wallMs);
    const key = modelSetKey(models);
    const previous = this.runMs[key];
    this.runMs[key] = previous === undefined ? own : NEWEST_WEIGHT * own + (1 - NEWEST_WEIGHT) * previous;
  }
}
