/**
 * Resolves LoRA files against one ONNX model (a UNet or a text encoder): which initializer each LoRA
 * module adapts, with what factors and `strength · scale`, checked for shape, plus the report.
 *
 * The decoded ModelProto (not its external weights), its module index and each LoRA file's factors
 * are cached, so a switch of LoRA or strength re-reads nothing. `LoraBranchSession` runs the model
 * with these contributions as low-rank branches; the exact merge into the weights, which the
 * benchmarks compare against, lives in bench/lora/lora-merger.ts.
 */
import { basename, dirname } from 'node:path';
import { OnnxModel } from '../../runtime/onnx-model/onnx-model.ts';
import { fileStamp, loadLora, type LoadedLora } from './lora-file.ts';
import { buildModuleIndex, assertScopedNames, type ModuleIndex, type WeightTarget } from './map-onnx.ts';
import { factorDims, loraScale, targetOutIn, type ScaledFactors } from './merge.ts';
import { checkLoraUsable, fileReport, type LoraReport } from './report.ts';
import type { LoraComponent } from './types.ts';
import { LoomError } from '@loom/engine';

/** One LoRA to apply and its strength (ComfyUI `strength_model` / `strength_clip`). */
export interface LoraSpec {
  readonly file: string;
  readonly strength: number;
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

/** LoRA resolver for one model file. */
export class LoraPatcher {
  private readonly loras = new Map<string, LoadedLora>();

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

  private async load(file: string): Promise<LoadedLora> {
    const cached = this.loras.get(file);
    if (cached && cached.stamp === (await fileStamp(file))) return cached;
    const lora = await loadLora(file, this.component, this.index, { [this.component]: new Set(this.index.keys()) });
    if (lora.matched.length === 0 && lora.unmatchedKeys.length > 0) assertScopedNames(this.model);
    this.loras.set(file, lora);
    return lora;
  }
}
