/**
 * Running one model component (text encoder, UNet) with the LoRAs of its handle.
 * Without LoRAs: a plain cached session, which onnxruntime can fully optimise (and which gives the
 * base model's outputs bit for bit).
 * With LoRAs: one {@link LoraBranchSession} per base model file, whose adapted layers carry low-rank
 * branches fed with the LoRA factors, so switching LoRA or strength only swaps small feeds (see
 * sd/lora/index.ts and bench/results/lora.json for the measurements behind that choice). Users of a
 * branch session take turns: each call applies its own LoRA set if another caller changed it, then runs.
 */
import type * as ort from 'onnxruntime-node';
import { LoomError, type NodeContext } from '@loom/engine';
import type { AppliedLora } from '../ports.ts';
import type { NodePackConfig } from '../pack-config.ts';
import { cachedSession, modelFingerprint, sessionOptions } from '../runtime/session.ts';
import { withDevice } from '../runtime/device.ts';
import { LoraBranchSession, LoraPatcher, type LoraReport } from './lora/index.ts';
import { rowByRow } from './row-by-row.ts';

export type Component = 'unet' | 'text_encoder' | 'text_encoder_2';

/** Something that runs a model: a plain session, or a LoRA branch session bound to one LoRA set. */
export interface ModelRunner {
  readonly session: ort.InferenceSession;
  readonly path: string;
  run(feeds: Record<string, ort.Tensor>, outputs?: readonly string[]): Promise<Record<string, ort.Tensor>>;
}

interface SharedBranches {
  branches: LoraBranchSession;
  applied: string;
  queue: Promise<unknown>;
}

export async function openModel(
  path: string,
  component: Component,
  loras: readonly AppliedLora[],
  config: NodePackConfig,
  ctx: NodeContext,
): Promise<ModelRunner> {
  const runner = await openRunner(path, component, loras, config, ctx);
  return component === 'unet' && config.cfgBatch === 'split' ? rowByRow(runner) : runner;
}

async function openRunner(path: string, component: Component, loras: readonly AppliedLora[], config: NodePackConfig, ctx: NodeContext): Promise<ModelRunner> {
  const active = loras.filter((l) => l.strength !== 0);
  if (active.length === 0) {
    const { session } = await cachedSession(ctx.objects, path, config, ctx.log);
    return { session, path, run: (feeds, outputs) => (outputs ? session.run(feeds, [...outputs]) : session.run(feeds)) };
  }
  // Branch sessions feed float LoRA factors into the float weights they adapt: no int8 variant of them.
  if (config.precision === 'int8') ctx.log.warn(`precision int8 does not apply with LoRAs: ${path} runs in fp32 while LoRAs are active.`);
  const { key, bytes } = await modelFingerprint(path);
  const patcher = await loraPatcher(path, component, ctx);
  const wanted = JSON.stringify(active.map((l) => [l.file, l.strength]));
  const shared = await ctx.objects.getOrCreate(`lora-branches|${key}|${config.device}|${config.threads}`, async () => {
    // Built with branches for the first caller's LoRAs; later LoRAs on other layers add branches.
    const { value: branches } = await withDevice(
      config.device,
      (device) => LoraBranchSession.create(patcher, sessionOptions(device, config.threads), active),
      ctx.log,
    );
    const entry: SharedBranches = { branches, applied: wanted, queue: Promise.resolve() };
    return { value: entry, bytes, dispose: () => branches.release() };
  });
  const ensureApplied = async (): Promise<void> => {
    if (shared.applied === wanted) return;
    const { report } = await shared.branches.apply(active);
    shared.applied = wanted;
    reportLoras(report, ctx);
  };
  return {
    get session() {
      return shared.branches.current;
    },
    path,
    run: (feeds, outputs) =>
      serialize(shared, async () => {
        await ensureApplied();
        const result = await shared.branches.run(feeds);
        return outputs ? Object.fromEntries(outputs.map((name) => [name, result[name] as ort.Tensor])) : result;
      }),
  };
}

/** Runs `work` after every earlier user of the branch session has finished. */
function serialize<T>(shared: SharedBranches, work: () => Promise<T>): Promise<T> {
  const next = shared.queue.then(work, work);
  shared.queue = next.catch(() => {});
  return next;
}

/** The LoRA resolver for one model file, shared by the LoRALoader's checks and the branch sessions. */
async function loraPatcher(path: string, component: Component, ctx: NodeContext): Promise<LoraPatcher> {
  const { key } = await modelFingerprint(path);
  return ctx.objects.getOrCreate(`lora-patcher|${key}|${component}`, async () => ({
    value: await LoraPatcher.open(path, { component }),
    // The parsed graph plus the cached base values of touched weights; small next to the model.
    bytes: 64 * 1024 * 1024,
  }));
}

/**
 * Checks that a LoRA file applies to a model without merging anything (resolving its contributions
 * reads and matches the file and checks every module's shape): a LoRA that matches nothing, only
 * unsupported LyCORIS modules, or modules of another model's shapes is an error; a partial match warns
 * and lists the unmatched keys.
 */
export async function checkLora(path: string, component: Component, file: string, ctx: NodeContext): Promise<LoraReport> {
  const patcher = await loraPatcher(path, component, ctx);
  try {
    const { report } = await patcher.contributions([{ file, strength: 1 }]);
    for (const warning of report.warnings) ctx.log.warn(warning);
    return report;
  } catch (err) {
    // The file's fault unless the model's own (an export too old to match by name: UNSUPPORTED_MODEL).
    throw new LoomError(err instanceof LoomError ? err.code : 'BAD_FILE', (err as Error).message, { cause: err, input: 'lora' });
  }
}

function reportLoras(report: LoraReport, ctx: NodeContext): void {
  for (const file of report.files) {
    if (file.matched.length > 0) ctx.log.info(`${file.file}: ${file.matched.length} modules merged into ${report.component} at strength ${file.strength}`);
  }
}
