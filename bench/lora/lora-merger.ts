/**
 * The exact merge `W' = W + Σ strength·scale·(up @ down)` of LoRAs into one ONNX model's weights:
 * the benchmark's `recreate` technique (a patched model + a new session per switch), the feeds of its
 * `switcher` technique, and the reference the torch-comparison tests check the LoRA key mapping with.
 * Not product code: the nodes run LoRAs as low-rank branches (`LoraBranchSession`, chosen by
 * bench/results/lora.json, see packages/nodes/src/sd/lora/index.ts).
 *
 * The patched model is the small `model.onnx` re-encoded with just the touched initializers inlined;
 * onnxruntime reads every other weight from the original external files (their paths are relative to
 * the model file), so the full weights never enter JS memory. The base values of every weight a LoRA
 * touched so far are cached, so a switch of LoRA or strength only recomputes deltas.
 */
import type { InferenceSession } from 'onnxruntime-node';
import { LoomError } from '@loom/engine';
import type { TensorProto } from '../../packages/nodes/src/runtime/onnx-model/onnx-schema.ts';
import { LoraPatcher, type LoraSpec, type PatcherOptions, type TargetContribution } from '../../packages/nodes/src/sd/lora/lora-patcher.ts';
import { stackFactors } from '../../packages/nodes/src/sd/lora/merge.ts';
import type { LoraReport } from '../../packages/nodes/src/sd/lora/report.ts';
import { inlineTensor } from './inline-tensor.ts';
import { mergeProduct } from './merge-kernel.ts';

/** Inline weights beyond this cannot be encoded in one ModelProto (protobuf's 2 GiB cap, minus room for the graph). */
const PROTOBUF_LIMIT = 2 ** 31 - 64 * 2 ** 20;

/** A patched model: bytes to create the session from, the options that find its external weights, the report. */
export interface PatchedModel {
  readonly model: Uint8Array;
  readonly sessionOptions: InferenceSession.SessionOptions;
  readonly report: LoraReport;
}

/** Exact LoRA merges into one model file, resolved by its {@link LoraPatcher}. */
export class LoraMerger {
  private readonly bases = new Map<string, Float32Array>();

  constructor(readonly patcher: LoraPatcher) {}

  /** Loads the model graph (not its external weights) and indexes its module weights. */
  static async open(modelPath: string, options: PatcherOptions = {}): Promise<LoraMerger> {
    return new LoraMerger(await LoraPatcher.open(modelPath, options));
  }

  /** The merged float32 values of every initializer in `targets` (see `LoraPatcher.contributions`). */
  async mergedWeights(targets: ReadonlyMap<string, TargetContribution>): Promise<Map<string, Float32Array>> {
    const bases = await this.baseWeights(targets.keys());
    const weights = new Map<string, Float32Array>();
    for (const [name, { target, outF, inF, items }] of targets) {
      const { a, b, m, r, n } = stackFactors(target.layout, items, outF, inF);
      weights.set(name, await mergeProduct(a, b, bases.get(name)!, m, r, n));
    }
    return weights;
  }

  /**
   * The model re-encoded with the merged weights of `loras` inlined (strength-0 entries add nothing:
   * no LoRA → the original bytes). Create the session from `model` with `sessionOptions`.
   */
  async patch(loras: readonly LoraSpec[]): Promise<PatchedModel> {
    const model = this.patcher.model;
    const { targets, report } = await this.patcher.contributions(loras);
    const weights = await this.mergedWeights(targets);
    const inlineBytes = [...weights.values()].reduce((n, w) => n + w.byteLength, 0);
    if (inlineBytes > PROTOBUF_LIMIT) {
      // e.g. an SDXL fp32 UNet with every attention projection touched (~3.6 GB in fp32).
      throw new LoomError(
        'UNSUPPORTED_MODEL',
        `${model.path}: the ${report.touched.length} patched weights take ${(inlineBytes / 2 ** 30).toFixed(2)} GiB, over protobuf's 2 GiB message limit; use LoraBranchSession, which adds low-rank branches instead of inlining merged weights`,
      );
    }
    const replace = new Map<string, TensorProto>();
    for (const [name, values] of weights) replace.set(name, inlineTensor(model.initializer(name)!, values));
    const initializers = model.proto.graph.initializer.map((t) => replace.get(t.name) ?? t);
    return { model: model.encode({ initializers }), sessionOptions: model.sessionOptions(), report };
  }

  /** Base float32 values of the given initializers (cached after the first read). */
  async baseWeights(names: Iterable<string>): Promise<Map<string, Float32Array>> {
    const list = [...names];
    const missing = list.filter((n) => !this.bases.has(n));
    if (missing.length > 0) for (const [n, v] of await this.patcher.model.readFloat32(missing)) this.bases.set(n, v);
    return new Map(list.map((n) => [n, this.bases.get(n)!]));
  }
}
