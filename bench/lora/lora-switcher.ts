/**
 * The benchmark's `switcher` technique (not product code: LoraBranchSession won, see
 * packages/nodes/src/sd/lora/index.ts): LoRA switching with merged weights fed at run time: one onnxruntime session whose LoRA-touched
 * weights are graph inputs, fed with exactly the merged values `LoraPatcher` computes. A switch
 * recomputes the merged weights (ORT Gemm kernel) and swaps the feeds; a new session is built only
 * when a LoRA touches a weight that is not yet an input. Strength 0 feeds the base values bit for bit.
 *
 * Measured (bench/results/lora.json, SD1.5-size UNet, three runs on a shared 2-core machine): a
 * switch costs 0.32–1.6 s (0.7–3.5 % of a cold load), a step 1.04× the merged session's; it holds
 * base + merged copies of every touched weight in JS (375 MB each for SD1.5 attention, GBs for
 * SDXL). `LoraBranchSession` switches 3–10× faster with no weight copies, so it is the default
 * technique (see index.ts); this class serves callers that want the exact merged-weight
 * arithmetic at run time (the same numbers as `LoraPatcher.patch`).
 * "Overridable initializers" (an initializer also listed as input) would avoid the copy, but
 * onnxruntime-node 1.30 omits them from `inputNames` and silently drops their feeds (measured).
 */
import * as ort from 'onnxruntime-node';
import { float32ToHalf } from '../../packages/nodes/src/safetensors/float-convert.ts';
import { DataType, int64 } from '../../packages/nodes/src/runtime/onnx-model/onnx-schema.ts';
import type { LoraPatcher, LoraSpec } from '../../packages/nodes/src/sd/lora/lora-patcher.ts';
import type { LoraReport } from '../../packages/nodes/src/sd/lora/report.ts';
import { mergeSessionOptions } from '../../packages/nodes/src/sd/lora/session-options.ts';

/** A session over `patcher.model` whose LoRA weights are fed per run. */
export class LoraSwitcher {
  private session: ort.InferenceSession | undefined;
  private inputs = new Set<string>();
  private feeds: Record<string, ort.Tensor> = {};

  private constructor(
    readonly patcher: LoraPatcher,
    private readonly options: ort.InferenceSession.SessionOptions,
  ) {}

  /**
   * Creates the switcher with `loras` applied, building the session once. `weights` pre-declares
   * more initializers as inputs (e.g. every attention projection), so that later LoRAs touching
   * only those never rebuild the session.
   */
  static async create(
    patcher: LoraPatcher,
    options: ort.InferenceSession.SessionOptions = {},
    loras: readonly LoraSpec[] = [],
    weights: Iterable<string> = [],
  ): Promise<LoraSwitcher> {
    const s = new LoraSwitcher(patcher, options);
    const { weights: patched } = await patcher.patchedWeights(loras);
    await s.rebuild(new Set([...weights, ...patched.keys()]));
    await s.apply(loras);
    return s;
  }

  /** The current session (its graph inputs include the fed weights). */
  get current(): ort.InferenceSession {
    return this.session!;
  }

  /** Names of the weights that are graph inputs. */
  get weightInputs(): ReadonlySet<string> {
    return this.inputs;
  }

  /** Switches to `loras`; `rebuilt` tells whether a new session had to be created. */
  async apply(loras: readonly LoraSpec[]): Promise<{ report: LoraReport; rebuilt: boolean }> {
    const { weights, report } = await this.patcher.patchedWeights(loras);
    const missing = [...weights.keys()].filter((n) => !this.inputs.has(n));
    if (missing.length) await this.rebuild(new Set([...this.inputs, ...missing]));
    const base = await this.patcher.baseWeights(this.inputs);
    const feeds: Record<string, ort.Tensor> = {};
    for (const name of this.inputs) feeds[name] = this.tensor(name, weights.get(name) ?? base.get(name)!);
    this.feeds = feeds;
    return { report, rebuilt: missing.length > 0 };
  }

  /** Runs the session with the caller's feeds plus the current weights. */
  run(feeds: Record<string, ort.Tensor>): Promise<ort.InferenceSession.ReturnType> {
    return this.current.run({ ...feeds, ...this.feeds });
  }

  /** Releases the session. */
  async release(): Promise<void> {
    await this.session?.release();
    this.session = undefined;
  }

  private tensor(name: string, values: Float32Array): ort.Tensor {
    const t = this.patcher.model.initializer(name)!;
    const dims = t.dims.map(int64);
    return t.dataType === DataType.FLOAT16 ? new ort.Tensor('float16', float32ToHalf(values), dims) : new ort.Tensor('float32', values, dims);
  }

  private async rebuild(inputs: Set<string>): Promise<void> {
    await this.release();
    const model = this.patcher.model;
    const bytes = model.encode({ asInputs: inputs });
    this.session = await ort.InferenceSession.create(bytes, mergeSessionOptions(model.sessionOptions(), this.options));
    this.inputs = inputs;
    if (inputs.size) {
      const base = await this.patcher.baseWeights(inputs);
      this.feeds = Object.fromEntries([...inputs].map((n) => [n, this.tensor(n, base.get(n)!)]));
    } else {
      this.feeds = {};
    }
  }
}
