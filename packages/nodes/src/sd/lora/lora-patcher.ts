/**
 * Applies LoRA files to one ONNX model (a UNet or a text encoder) by merging them into the weights.
 *
 * The base ModelProto, the base values of every weight a LoRA touched so far, and each LoRA file's
 * factors are cached, so a switch of LoRA or strength only recomputes deltas. The patched model is
 * the small `model.onnx` re-encoded with just the touched initializers inlined; onnxruntime reads
 * every other weight from the original external files (external data paths are relative to the model file), so the full
 * weights never enter JS memory. Switching without a new session is `LoraBranchSession`'s job.
 */
import { basename, dirname } from 'node:path';
import type { InferenceSession } from 'onnxruntime-node';
import { OnnxModel } from '../../runtime/onnx-model/onnx-model.ts';
import { inlineTensor } from '../../runtime/onnx-model/tensor-data.ts';
import type { TensorProto } from '../../runtime/onnx-model/onnx-schema.ts';
import { fileStamp, loadLora, type LoadedLora } from './lora-file.ts';
import { buildModuleIndex, assertScopedNames, type ModuleIndex, type WeightTarget } from './map-onnx.ts';
import { factorDims, loraScale, stackFactors, targetOutIn, type ScaledFactors } from './merge.ts';
import { mergeProduct } from './merge-kernel.ts';
import { checkLoraUsable, fileReport, type LoraReport } from './report.ts';
import type { LoraComponent } from './types.ts';
import { LoomError } from '@loom/engine';

/** One LoRA to apply and its strength (ComfyUI `strength_model` / `strength_clip`). */
export interface LoraSpec {
  readonly file: string;
  readonly strength: number;
}

/** Merged float32 values of every touched initializer, with the report. */
export interface PatchedWeights {
  readonly weights: Map<string, Float32Array>;
  readonly report: LoraReport;
}

/** Everything the LoRAs contribute to one weight. */
export interface TargetContribution {
  readonly target: WeightTarget;
  readonly outF: number;
  readonly inF: number;
  readonly items: ScaledFactors[];
}

/** Options of {@link LoraPatcher.open}. */
export interface PatcherOptions {
  /** Defaults to the model folder's name when it is `unet`, `text_encoder` or `text_encoder_2`, else `unet`. */
  readonly component?: LoraComponent;
}

const COMPONENTS: readonly LoraComponent[] = ['unet', 'text_encoder', 'text_encoder_2'];
/** Inline weights beyond this cannot be encoded in one ModelProto (protobuf's 2 GiB cap, minus room for the graph). */
const PROTOBUF_LIMIT = 2 ** 31 - 64 * 2 ** 20;

/** LoRA merger for one model file. */
export class LoraPatcher {
  private readonly loras = new Map<string, LoadedLora>();
  private readonly bases = new Map<string, Float32Array>();

  private constructor(
    readonly model: OnnxModel,
    readonly component: LoraComponent,
    readonly index: ModuleIndex,
  ) {}

  /** Loads the model graph (not its external weights) and indexes its module weights. */
  static async open(modelPath: string, options: PatcherOptions = {}): Promise<LoraPatcher> {
    const model = await OnnxModel.load(modelPath);
    const folder = basename(dirname(model.path)) as LoraComponent;
    const component = options.component ?? (COMPONENTS.includes(folder) ? folder : 'unet');
    return new LoraPatcher(model, component, buildModuleIndex(model));
  }

  /**
   * Resolves `loras` against the model: for every touched initializer, the factors and
   * `strength · scale` of each LoRA module on it (strength-0 LoRAs contribute nothing), plus the report.
   */
  async contributions(loras: readonly LoraSpec[]): Promise<{ targets: Map<string, TargetContribution>; report: LoraReport }> {
    const loaded = await Promise.all(loras.map((l) => this.load(l.file)));
    const targets = new Map<string, TargetContribution>();
    const files = loaded.map((lora, k) => {
      checkLoraUsable(lora, this.model.path, this.component);
      const strength = loras[k]!.strength;
      if (strength !== 0) {
        for (const m of lora.matched) {
          const t = m.target;
          const [outF, inF] = targetOutIn(t.dims, t.layout);
          const d = factorDims(m.factors, `${lora.file} module ${m.module}`);
          if (d.outF !== outF || d.inF !== inF) {
            throw new LoomError(
              'BAD_FILE',
              `${lora.file}: module ${m.module} is ${d.outF}×${d.inF} but ${this.model.path} has ${outF}×${inF} (${t.initializer}); is the LoRA for another base model?`,
            );
          }
          let entry = targets.get(t.initializer);
          if (!entry) {
            entry = { target: t, outF, inF, items: [] };
            targets.set(t.initializer, entry);
          }
          entry.items.push({ factors: m.factors, coef: strength * loraScale(m.factors) });
        }
      }
      return fileReport(lora, strength);
    });
    const report: LoraReport = {
      model: this.model.path,
      component: this.component,
      files,
      touched: [...targets.keys()],
      warnings: files.flatMap((f) => f.warnings),
    };
    return { targets, report };
  }

  /** Computes the merged weights for `loras` (strength-0 entries add nothing; no LoRA → no weights). */
  async patchedWeights(loras: readonly LoraSpec[]): Promise<PatchedWeights> {
    const { targets, report } = await this.contributions(loras);
    await this.cacheBases(targets.keys());
    const weights = new Map<string, Float32Array>();
    for (const [name, { target, outF, inF, items }] of targets) {
      const { a, b, m, r, n } = stackFactors(target.layout, items, outF, inF);
      weights.set(name, await mergeProduct(a, b, this.bases.get(name)!, m, r, n));
    }
    return { weights, report };
  }

  /**
   * The model re-encoded with the merged weights inlined, plus the session options that let
   * onnxruntime find the untouched external weights. Create the session from `model`.
   */
  async patch(loras: readonly LoraSpec[]): Promise<{ model: Uint8Array; sessionOptions: InferenceSession.SessionOptions; report: LoraReport }> {
    const { weights, report } = await this.patchedWeights(loras);
    const inlineBytes = [...weights.values()].reduce((n, w) => n + w.byteLength, 0);
    if (inlineBytes > PROTOBUF_LIMIT) {
      // e.g. an SDXL fp32 UNet with every attention projection touched (~3.6 GB in fp32).
      throw new LoomError(
        'UNSUPPORTED_MODEL',
        `${this.model.path}: the ${report.touched.length} patched weights take ${(inlineBytes / 2 ** 30).toFixed(2)} GiB, over protobuf's 2 GiB message limit; use LoraBranchSession, which adds low-rank branches instead of inlining merged weights`,
      );
    }
    const replace = new Map<string, TensorProto>();
    for (const [name, values] of weights) replace.set(name, inlineTensor(this.model.initializer(name)!, values));
    return { model: this.model.encode({ replace }), sessionOptions: this.model.sessionOptions(), report };
  }

  /** Base float32 values of the given initializers (cached after the first read). */
  async baseWeights(names: Iterable<string>): Promise<Map<string, Float32Array>> {
    const list = [...names];
    await this.cacheBases(list);
    return new Map(list.map((n) => [n, this.bases.get(n)!]));
  }

  private async cacheBases(names: Iterable<string>): Promise<void> {
    const missing = [...names].filter((n) => !this.bases.has(n));
    if (missing.length === 0) return;
    for (const [n, v] of await this.model.readFloat32(missing)) this.bases.set(n, v);
  }

  private async load(file: string): Promise<LoadedLora> {
    const cached = this.loras.get(file);
    if (cached && cached.stamp === (await fileStamp(file))) return cached;
    const lora = await loadLora(file, this.component, this.index, { [this.component]: new Set(this.index.keys()) });
    if (lora.matched.length === 0 && lora.unmatchedKeys.length > 0) assertScopedNames(this.model);
    this.loras.set(file, lora);
    return lora;
  }
}
