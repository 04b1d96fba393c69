/**
 * The benchmark's `switcher` technique (not product code: LoraBranchSession won, see
 * packages/nodes/src/sd/lora/index.ts): one onnxruntime session whose LoRA-touched weights are graph
 * inputs, fed with exactly the merged values {@link LoraMerger} computes. It is `LoraBranchSession`
 * with the two technique-specific steps replaced: the graph declares the weights as inputs instead of
 * adding branches, and a switch recomputes the merged weights (ORT Gemm kernel) instead of stacking
 * factors. Strength 0 feeds the base values bit for bit.
 *
 * Measured (bench/results/lora.json, SD1.5-size UNet, three runs on a shared 2-core machine): a
 * switch costs 0.32–1.6 s (0.7–3.5 % of a cold load), a step 1.04× the merged session's; it holds
 * base + merged copies of every touched weight in JS (375 MB each for SD1.5 attention, GBs for
 * SDXL). `LoraBranchSession` switches 3–10× faster with no weight copies. Why the weights are
 * plain inputs rather than overridable initializers: weight-inputs.ts.
 */
import * as ort from 'onnxruntime-node';
import { float32ToHalf } from '../../packages/nodes/src/safetensors/float-convert.ts';
import { DataType, int64 } from '../../packages/nodes/src/runtime/onnx-model/onnx-schema.ts';
import { LoraBranchSession } from '../../packages/nodes/src/sd/lora/lora-branch-session.ts';
import type { LoraPatcher, LoraSpec } from '../../packages/nodes/src/sd/lora/lora-patcher.ts';
import type { WeightTarget } from '../../packages/nodes/src/sd/lora/map-onnx.ts';
import { LoraMerger } from './lora-merger.ts';
import { encodeAsInputs } from './weight-inputs.ts';

/** A session over `patcher.model` whose LoRA-touched weights are fed per run. */
export class LoraSwitcher extends LoraBranchSession {
  private readonly merger = new LoraMerger(this.patcher);

  /** Creates the switcher with `loras` applied, building the session once. */
  static override async create(
    patcher: LoraPatcher,
    options: ort.InferenceSession.SessionOptions = {},
    loras: readonly LoraSpec[] = [],
  ): Promise<LoraSwitcher> {
    return new LoraSwitcher(patcher, options).init(loras, []);
  }

  /** The model with the weights of `targets` turned into graph inputs. */
  protected override encode(targets: readonly WeightTarget[]): Uint8Array {
    return encodeAsInputs(
      this.patcher.model,
      targets.map((t) => t.initializer),
    );
  }

  /** Every input weight: merged where a LoRA contributes, else its base value. */
  protected override async makeFeeds(): Promise<Record<string, ort.Tensor>> {
    const merged = await this.merger.mergedWeights(this.contributions);
    const base = await this.merger.baseWeights([...this.targets.keys()].filter((n) => !merged.has(n)));
    const feeds: Record<string, ort.Tensor> = {};
    for (const name of this.targets.keys()) feeds[name] = this.tensor(name, merged.get(name) ?? base.get(name)!);
    return feeds;
  }

  private tensor(name: string, values: Float32Array): ort.Tensor {
    const t = this.patcher.model.initializer(name)!;
    const dims = t.dims.map(int64);
    return t.dataType === DataType.FLOAT16 ? new ort.Tensor('float16', float32ToHalf(values), dims) : new ort.Tensor('float32', values, dims);
  }
}
