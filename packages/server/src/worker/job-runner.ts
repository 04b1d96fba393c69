/**
 * Runs one BullMQ job on this worker's engine: claim the prompt (a new attempt), keep the BullMQ lock
 * alive, stream events back, end it once. If the prompt is no longer this attempt's (the server
 * presumed this worker dead and requeued it, or the lock expired and BullMQ re-ran the job elsewhere)
 * or the claim is refused, the run stops and publishes nothing more.
 */
import { join } from 'node:path';
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { toLoomError, type EngineEvent, type ErrorInfo } from '@loom/engine';
import { writableFolderInside } from '../http/safe-path.ts';
import type { PromptOutcome } from '../queue/prompt-queue.ts';
import type { RedisKeys } from '../redis/redis-keys.ts';
import type { RunScripts } from '../redis/run-scripts.ts';
import { encodeEnd, JobDataShape, type InputFile, type JobData } from '../redis/wire.ts';
import { writeFileAtomic } from '../store/atomic-write.ts';
import { EventPublisher } from './event-publisher.ts';
import type { ThreadEngine } from './thread-engine.ts';
import { hostFolders, PathRedactor, redactEvent } from '../http/redact-paths.ts';

export interface RunnerContext {
  engine: ThreadEngine;
  redis: Redis;
  keys: RedisKeys;
  scripts: RunScripts;
  workerId: string;
  /** This worker process's run, recorded with each claim (see WorkerAdvert.instance). */
  instance: string;
  lockMs: number;
  log: (message: string) => void;
  /** Interrupt hooks by prompt id, called by the control-channel listener. */
  interrupts: Map<string, () => void>;
}

export interface JobResult {
  promptId: string;
  models: string[];
  /** `stale`: claim refused (finished, withdrawn, or superseded); `lost`: another attempt took over mid-run. */
  outcome: PromptOutcome | 'stale' | 'lost';
}

const TERMINAL = new Set(['run.finished', 'run.failed', 'run.cancelled']);

/**
 * How often a running attempt checks that the prompt is still its own. A worker the server presumed
 * dead (stalled past its heartbeat TTL, cut off) stops within this long of coming back, rather than at
 * its next publication, which a silent model load can put minutes away.
 */
const OWNERSHIP_CHECK_MS = 1000;

export interface RunHooks {
  /** The prompt is this worker's now. */
  claimed: (promptId: string) => void;
  /**
   * The run is over and about to be ended: the worker advertises itself idle with the prompt's
   * pipelines loaded (and what the run cost) *before* the ending is published, so the server routes
   * the next prompt knowing it. `measured` is null for a run that did not succeed.
   */
  ran: (models: string[], measured: RunMeasure | null) => Promise<void>;
}

/** A successful run's wall time and the part of it spent creating cached objects (loading). */
export interface RunMeasure {
  wallMs: number;
  createMs: number;
}

export async function runJob(ctx: RunnerContext, job: Job, token: string, hooks: RunHooks): Promise<JobResult> {
  // Job data comes back from Redis: checked like any boundary; the graph was validated at submission.
  const data = JobDataShape.parse(job.data) as unknown as JobData;
  const id = data.promptId;
  const attempt = await ctx.scripts.claim(id, job.id as string, ctx.workerId, ctx.instance);
  if (attempt === 0) {
    await job.moveToCompleted({ outcome: 'stale' }, token, false).catch(() => {});
    return { promptId: id, models: data.models, outcome: 'stale' };
  }
  hooks.claimed(id);
  const controller = new AbortController();
  let lost = false;
  const loseOwnership = (): void => {
    lost = true;
    controller.abort();
  };
  // Clients see this worker's files by folder name, never where the worker keeps them.
  const redactor = new PathRedactor(hostFolders(ctx.engine.config));
  const publisher = new EventPublisher({ ...ctx, promptId: id, jobId: job.id as string, attempt, dirs: ctx.engine.config, onLost: loseOwnership });
  const checkInterrupt = async (): Promise<void> => {
    if ((await ctx.redis.exists(ctx.keys.interrupt(id))) === 1) controller.abort();
  };
  const keeper = setInterval(
    () => {
      job
        .extendLock(token, ctx.lockMs)
        .then((ok) => (ok ? checkInterrupt() : loseOwnership()))
        .catch((err: unknown) => ctx.log(`Could not extend the lock of prompt ${id}: ${(err as Error).message}`));
    },
    Math.max(100, Math.floor(ctx.lockMs / 2)),
  );
  const watch = setInterval(() => {
    ctx.redis
      .hmget(ctx.keys.run(id), 'state', 'attempt')
      .then(([state, current]) => (state !== 'running' || Number(current) !== attempt ? loseOwnership() : undefined))
      .catch(() => {});
  }, OWNERSHIP_CHECK_MS);
  ctx.interrupts.set(id, () => controller.abort());

  let terminal: EngineEvent | undefined;
  let outcome: PromptOutcome = 'success';
  let error: ErrorInfo | undefined;
  let measured: RunMeasure | null = null;
  try {
    await checkInterrupt();
    await writeInputs(ctx.engine.config.inputDir, data.inputs);
    const start = performance.now();
    const stats = await ctx.engine.run(data.graph, {
      runId: id,
      signal: controller.signal,
      targets: data.targets,
      // The terminal event travels with the ending (one atomic step), never on its own.
      onEvent: (raw) => {
        const event = redactEvent(redactor, raw);
        if (TERMINAL.has(event.type)) terminal = event;
        else publisher.push(event);
      },
    });
    measured = { wallMs: performance.now() - start, createMs: stats.createMs };
  } catch (err) {
    const loomError = toLoomError(err, 'NODE_FAILED');
    outcome = loomError.code === 'CANCELLED' ? 'interrupted' : 'error';
    error = redactor.deep(loomError.toJSON()) as ErrorInfo;
    terminal ??= outcome === 'interrupted' ? { type: 'run.cancelled', runId: id } : { type: 'run.failed', runId: id, error };
  } finally {
    clearInterval(keeper);
    clearInterval(watch);
    ctx.interrupts.delete(id);
  }
  await publisher.drain();
  if (lost || publisher.lost) {
    ctx.log(`Prompt ${id}: attempt ${attempt} lost the prompt (this worker was presumed dead, or its lock expired); its results are discarded.`);
    // Requeued by the server: this job is dead weight. Re-run by BullMQ elsewhere: the lock is not ours and this fails.
    await job.moveToCompleted({ outcome: 'lost' }, token, false).catch(() => {});
    return { promptId: id, models: data.models, outcome: 'lost' };
  }
  await hooks.ran(data.models, measured);
  const end = encodeEnd({
    outcome,
    event: terminal ?? { type: 'run.failed', runId: id, error: { code: 'NODE_FAILED', message: 'The run ended without a final event.' } },
    ...(error && { error }),
  });
  if (!(await ctx.scripts.finish(id, attempt, ctx.workerId, end))) {
    return { promptId: id, models: data.models, outcome: 'lost' };
  }
  await job
    .moveToCompleted({ outcome }, token, false)
    .catch((err: unknown) => ctx.log(`Prompt ${id} finished, but BullMQ refused to complete its job: ${(err as Error).message}`));
  return { promptId: id, models: data.models, outcome };
}

/** Uploads the prompt reads, written into this worker's input folder (a shared one is simply rewritten). */
async function writeInputs(inputDir: string, inputs: InputFile[]): Promise<void> {
  for (const file of inputs) {
    const folder = await writableFolderInside(inputDir, file.subfolder);
    await writeFileAtomic(join(folder, file.filename), Buffer.from(file.data, 'base64'));
  }
}
