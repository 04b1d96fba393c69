/**
 * What applying LoRAs did: matched modules, unmatched keys, unsupported variants, and the rules
 * that turn them into warnings or errors (a LoRA that matches nothing is an error; a partial match
 * warns and lists the keys; a LyCORIS-only file is rejected naming the variant).
 */
import type { LoadedLora } from './lora-file.ts';
import type { LoraComponent, LoraFormat, UnsupportedModule } from './types.ts';
import { LoomError } from '@loom/engine';

/** Per-file part of the report. */
export interface LoraFileReport {
  readonly file: string;
  readonly format: LoraFormat | undefined;
  readonly strength: number;
  /** Diffusers module paths merged into this model. */
  readonly matched: string[];
  readonly unmatchedKeys: string[];
  readonly unsupported: UnsupportedModule[];
  /** Modules the file has for other components (applied through their own models). */
  readonly otherComponents: number;
  readonly warnings: string[];
}

/** Report of one patch of one model. */
export interface LoraReport {
  readonly model: string;
  readonly component: LoraComponent;
  readonly files: LoraFileReport[];
  /** Initializers whose values changed. */
  readonly touched: string[];
  readonly warnings: string[];
}

const LIST_LIMIT = 20;

function list(keys: readonly string[]): string {
  const shown = keys.slice(0, LIST_LIMIT).join(', ');
  return keys.length > LIST_LIMIT ? `${shown}, … (${keys.length} in all)` : shown;
}

/** Throws when `lora` cannot be applied to `model` at all. */
export function checkLoraUsable(lora: LoadedLora, model: string, component: LoraComponent): void {
  if (lora.matched.length > 0) return;
  if (lora.unsupported.length > 0) {
    const kinds = [...new Set(lora.unsupported.map((u) => u.kind))].join(', ');
    throw new LoomError(
      'BAD_FILE',
      `LoRA ${lora.file} uses ${kinds}, which Loom cannot merge (only plain LoRA down/up pairs are supported); modules: ${list(lora.unsupported.map((u) => u.stem))}`,
    );
  }
  if (lora.unmatchedKeys.length > 0) {
    throw new LoomError(
      'BAD_FILE',
      `LoRA ${lora.file} (format ${lora.format ?? 'unknown'}) matches nothing in ${component} model ${model}; keys: ${list(lora.unmatchedKeys)}`,
    );
  }
  if (lora.otherComponents === 0) throw new LoomError('BAD_FILE', `${lora.file} contains no LoRA weights`);
}

/** The per-file report, with warnings for a partial match. */
export function fileReport(lora: LoadedLora, strength: number): LoraFileReport {
  const warnings: string[] = [];
  if (lora.unmatchedKeys.length > 0) {
    warnings.push(`LoRA ${lora.file}: ${lora.unmatchedKeys.length} keys match no weight and were ignored: ${list(lora.unmatchedKeys)}`);
  }
  if (lora.unsupported.length > 0 && lora.matched.length > 0) {
    warnings.push(`LoRA ${lora.file}: unsupported modules skipped (${list(lora.unsupported.map((u) => `${u.stem} [${u.kind}]`))})`);
  }
  return {
    file: lora.file,
    format: lora.format,
    strength,
    matched: lora.matched.map((m) => m.module),
    unmatchedKeys: lora.unmatchedKeys,
    unsupported: lora.unsupported,
    otherComponents: lora.otherComponents,
    warnings,
  };
}
