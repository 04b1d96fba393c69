/**
 * Loading one LoRA file for one model component: normalise its keys, match them to the model's
 * weights, read only the factor tensors of this component, and sort out what is unsupported.
 */
import { stat } from 'node:fs/promises';
import { withSafetensors } from '../../safetensors/safetensors-file.ts';
import { normalizeLoraKeys } from './keys.ts';
import { findTarget, type ModuleIndex, type WeightTarget } from './map-onnx.ts';
import type { LoraFactors } from './merge.ts';
import type { LoraComponent, LoraFormat, ModuleSets, UnsupportedModule } from './types.ts';

/** One module of the file that maps onto a weight of the model. */
export interface MatchedModule {
  readonly module: string;
  readonly target: WeightTarget;
  readonly factors: LoraFactors;
}

/** A LoRA file resolved against one component's model. */
export interface LoadedLora {
  readonly file: string;
  readonly format: LoraFormat | undefined;
  readonly metadata: Readonly<Record<string, string>>;
  readonly matched: MatchedModule[];
  /** Keys meant for this component (or of unknown component) that match no weight. */
  readonly unmatchedKeys: string[];
  readonly unsupported: UnsupportedModule[];
  /** Number of normalised modules that belong to other components (applied by their own patchers). */
  readonly otherComponents: number;
  /** Cache identity: size and mtime when loaded. */
  readonly stamp: string;
}

/** The component a raw key is for, by its prefix; undefined when the key does not say. */
function keyComponent(key: string): LoraComponent | undefined {
  if (/^(?:text_encoder_2\.|lora_te2_)/.test(key)) return 'text_encoder_2';
  if (/^(?:text_encoder\.|lora_te1?_|text_model\.)/.test(key)) return 'text_encoder';
  if (/^(?:unet\.|lora_unet_)/.test(key)) return 'unet';
  return undefined;
}

/** A file's size + mtime, used to notice a LoRA file replaced on disk. */
export async function fileStamp(path: string): Promise<string> {
  const s = await stat(path);
  return `${s.size}:${s.mtimeMs}`;
}

/**
 * Loads `file` for `component` of a model with module index `index`. `modules` lists the module
 * paths of every component available (kohya names resolve against them).
 */
export async function loadLora(file: string, component: LoraComponent, index: ModuleIndex, modules: ModuleSets): Promise<LoadedLora> {
  const stamp = await fileStamp(file);
  return withSafetensors(file, async (st) => {
    const norm = normalizeLoraKeys(st.names(), modules);
    const matched: MatchedModule[] = [];
    const unsupported = [...norm.unsupported];
    const forUs = (k: string): boolean => (keyComponent(k) ?? component) === component;
    const unmatchedKeys = norm.unmatchedKeys.filter(forUs);
    let otherComponents = 0;
    for (const m of norm.modules) {
      if (m.component !== component) {
        otherComponents++;
        continue;
      }
      const keys = [m.down, m.up, ...(m.alpha ? [m.alpha] : [])];
      const target = findTarget(index, m.module);
      if (!target) {
        unmatchedKeys.push(...keys);
        continue;
      }
      const downShape = st.info(m.down)!.shape;
      if (downShape.length === 4 && (downShape[2] !== 1 || downShape[3] !== 1)) {
        unsupported.push({ stem: m.module, kind: `LoCon ${downShape[2]}×${downShape[3]} convolution`, keys });
        continue;
      }
      const alpha = m.alpha ? (await st.readFloat32(m.alpha))[0] : undefined;
      matched.push({
        module: m.module,
        target,
        factors: {
          down: await st.readFloat32(m.down),
          downShape,
          up: await st.readFloat32(m.up),
          upShape: st.info(m.up)!.shape,
          ...(alpha === undefined ? {} : { alpha }),
        },
      });
    }
    return { file, format: norm.format, metadata: st.metadata, matched, unmatchedKeys, unsupported, otherComponents, stamp };
  });
}
