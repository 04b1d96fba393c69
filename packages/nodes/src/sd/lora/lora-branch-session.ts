/**
 * One onnxruntime session with LoRA branches (`lora-branches.ts`) on the adapted layers; switching
 * LoRA or strength swaps the rank-sized factor feeds. A new session is built only when a LoRA
 * adapts a layer that has no branch yet. With every strength 0 the branches add exact zeros, but
 * the graph differs from the base graph: for bit-exact base outputs use the plain base session.
 *
 * How the adapted layers enter the graph and what is fed for them are the two protected methods
 * `encode` and `makeFeeds`: the benchmark's merged-weights technique (bench/lora/lora-switcher.ts)
 * overrides them and keeps the rest of the session handling.
 */
import * as ort from 'onnxruntime-node';
import { float32ToHalf } from '../../safetensors/float-convert.ts';
import { DataType } from '../../runtime/onnx-model/onnx-schema.ts';
import type { LoraPatcher, LoraSpec, TargetContribution } from './lora-patcher.ts';
import type { WeightTarget } from './map-onnx.ts';
import { branchFeeds, branchInputs, encodeWithBranches, type FactorFeed } from './lora-branches.ts';
import { mergeSessionOptions } from './session-options.ts';
import type { LoraReport } from './report.ts';

/** A session over `patcher.model` with LoRA branches fed per run. */
export class LoraBranchSession {
  private session: ort.InferenceSession | undefined;
  private feeds: Record<string, ort.Tensor> = {};
  /** The adapted layers the current graph can vary, by initializer name. */
  protected targets = new Map<string, WeightTarget>();
  /** What the applied LoRAs contribute to each adapted layer. */
  protected contributions = new Map<string, TargetContribution>();

  protected constructor(
    readonly patcher: LoraPatcher,
    private readonly options: ort.InferenceSession.SessionOptions,
  ) {}

  /** Creates the session with branches on every layer `loras` adapt (plus `initializers`), and applies them. */
  static async create(
    patcher: LoraPatcher,
    options: ort.InferenceSession.SessionOptions = {},
    loras: readonly LoraSpec[] = [],
    initializers: Iterable<string> = [],
  ): Promise<LoraBranchSession> {
    return new LoraBranchSession(patcher, options).init(loras, initializers);
  }

  /** Builds the session for the layers `loras` adapt (plus `initializers`) and applies `loras`. */
  protected async init(loras: readonly LoraSpec[], initializers: Iterable<string>): Promise<this> {
    const { targets } = await this.patcher.contributions(loras);
    await this.rebuild(new Set([...initializers, ...targets.keys()]));
    await this.apply(loras);
    return this;
  }

  /** The current session. */
  get current(): ort.InferenceSession {
    return this.session!;
  }

  /** Switches to `loras`; `rebuilt` tells whether a new session had to be created. */
  async apply(loras: readonly LoraSpec[]): Promise<{ report: LoraReport; rebuilt: boolean }> {
    const { targets, report } = await this.patcher.contributions(loras);
    const missing = [...targets.keys()].filter((n) => !this.targets.has(n));
    if (missing.length) await this.rebuild(new Set([...this.targets.keys(), ...missing]));
    this.contributions = targets;
    this.feeds = await this.makeFeeds();
    return { report, rebuilt: missing.length > 0 };
  }

  /** Runs the session with the caller's feeds plus the current branch factors. */
  run(feeds: Record<string, ort.Tensor>): Promise<ort.InferenceSession.ReturnType> {
    return this.current.run({ ...feeds, ...this.feeds });
  }

  /** Releases the session. */
  async release(): Promise<void> {
    await this.session?.release();
    this.session = undefined;
  }

  /** The model with a branch on every layer of `targets`. */
  protected encode(targets: readonly WeightTarget[]): Uint8Array {
    return encodeWithBranches(this.patcher.model, targets);
  }

  /** The factor feeds of every branch for the current contributions (a zero branch where none). */
  protected async makeFeeds(): Promise<Record<string, ort.Tensor>> {
    const feeds: Record<string, ort.Tensor> = {};
    for (const [name, target] of this.targets) {
      const { a, b } = branchFeeds(target, this.contributions.get(name)?.items ?? []);
      const names = branchInputs(name);
      const fp16 = this.patcher.model.initializer(name)!.dataType === DataType.FLOAT16;
      feeds[names.a] = tensor(a, fp16);
      feeds[names.b] = tensor(b, fp16);
    }
    return feeds;
  }

  private async rebuild(initializers: Set<string>): Promise<void> {
    await this.release();
    const model = this.patcher.model;
    const targets = [...this.patcher.index.values()].filter((t) => initializers.has(t.initializer));
    this.session = await ort.InferenceSession.create(this.encode(targets), mergeSessionOptions(model.sessionOptions(), this.options));
    // The feeds follow in `apply`, which every rebuild is part of.
    this.targets = new Map(targets.map((t) => [t.initializer, t]));
  }
}

function tensor(f: FactorFeed, fp16: boolean): ort.Tensor {
  return fp16 ? new ort.Tensor('float16', float32ToHalf(f.data), f.dims) : new ort.Tensor('float32', f.data, f.dims);
}
