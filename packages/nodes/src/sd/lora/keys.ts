/**
 * Normalises the keys of any supported LoRA file to `{component, module (diffusers path), down,
 * up, alpha?}`; see {@link LoraFormat} for the layouts and diffusers `state_dict_utils.py` and `lora_conversion_utils.py` for their history.
 *
 * kohya joins module paths with `_`, which is ambiguous (`transformer_blocks` vs `transformer.blocks`).
 * Instead of guessing like diffusers' string repairs, a kohya stem is resolved by looking its
 * `_`-joined form up among the module paths that actually exist in the target model.
 */
import { classifyKey, sniffFormat } from './keys-sniff.ts';
import { isLdmStem, ldmToDiffusersStem } from './keys-ldm.ts';
import type { LoraComponent, LoraFormat, LoraModuleKeys, ModuleSets, UnsupportedModule } from './types.ts';

/** Result of {@link normalizeLoraKeys}. */
export interface NormalizedKeys {
  readonly format: LoraFormat | undefined;
  readonly modules: LoraModuleKeys[];
  readonly unsupported: UnsupportedModule[];
  /** Keys that are no LoRA factor, factors without their partner, or kohya stems no model module matches. */
  readonly unmatchedKeys: string[];
}

interface Group {
  down?: string;
  up?: string;
  alpha?: string;
}

/**
 * Normalises `keys`. `modules` (the module paths of each component's model, see
 * `moduleIndex`) is needed to resolve kohya names; without it kohya keys stay unmatched.
 */
export function normalizeLoraKeys(keys: readonly string[], modules: ModuleSets = {}): NormalizedKeys {
  const groups = new Map<string, Group>();
  const unsupported = new Map<string, { kind: string; keys: string[] }>();
  const unmatchedKeys: string[] = [];
  for (const key of keys) {
    const c = classifyKey(key);
    if (c.role === 'unknown') {
      unmatchedKeys.push(key);
    } else if (c.role === 'unsupported') {
      const u = unsupported.get(c.stem) ?? { kind: c.kind, keys: [] };
      u.keys.push(key);
      unsupported.set(c.stem, u);
    } else {
      const g = groups.get(c.stem) ?? {};
      g[c.role] = key;
      groups.set(c.stem, g);
    }
  }
  const out: LoraModuleKeys[] = [];
  for (const [stem, g] of groups) {
    const groupKeys = [g.down, g.up, g.alpha].filter((k): k is string => k !== undefined);
    if (unsupported.has(stem)) {
      unsupported.get(stem)!.keys.push(...groupKeys); // e.g. lora_down + lora_mid: the whole module is unsupported
      continue;
    }
    const target = stem.startsWith('lora_') ? resolveKohya(stem, modules) : diffusersModule(stem);
    if (!g.down || !g.up || !target) {
      unmatchedKeys.push(...groupKeys);
      continue;
    }
    out.push({ ...target, down: g.down, up: g.up, ...(g.alpha ? { alpha: g.alpha } : {}) });
  }
  return {
    format: sniffFormat(keys),
    modules: out,
    unsupported: [...unsupported].map(([stem, u]) => ({ stem, kind: u.kind, keys: u.keys })),
    unmatchedKeys,
  };
}

type Target = { component: LoraComponent; module: string };

const PREFIXES: [string, LoraComponent][] = [
  ['text_encoder_2.', 'text_encoder_2'],
  ['text_encoder.', 'text_encoder'],
  ['unet.', 'unet'],
];

/** Diffusers / PEFT / attn-procs stem → diffusers module path (state_dict_utils.py key maps). */
function diffusersModule(stem: string): Target {
  let s = stem.replace(/^base_model\.model\./, '');
  let component: LoraComponent | undefined;
  for (const [p, c] of PREFIXES) {
    if (s.startsWith(p)) {
      component = c;
      s = s.slice(p.length);
      break;
    }
  }
  component ??= s.startsWith('text_model.') ? 'text_encoder' : 'unet';
  s = s.replace(/\.processor(?=\.|$)/g, ''); // KEYS_TO_ALWAYS_REPLACE {".processor.": "."}
  if (component === 'unet') {
    s = s.replace(/\.to_out$/, '.to_out.0'); // attn-procs `to_out_lora` adapts `to_out.0`
  } else {
    // Old text-encoder attn-procs spelling (lora_conversion_utils `_convert_text_encoder_lora_key`).
    s = s.replace(/\.to_(q|k|v)$/, '.$1_proj').replace(/\.to_out$/, '.out_proj');
  }
  return { component, module: s };
}

const KOHYA_PREFIXES: [RegExp, LoraComponent][] = [
  [/^lora_unet_/, 'unet'],
  [/^lora_te1_/, 'text_encoder'],
  [/^lora_te2_/, 'text_encoder_2'],
  [/^lora_te_/, 'text_encoder'],
];

const underscoreIndexes = new WeakMap<ReadonlySet<string>, Map<string, string | null>>();

/** `_`-joined form → module path; `null` marks two modules that collide when joined. */
function underscoreIndex(set: ReadonlySet<string>): Map<string, string | null> {
  let index = underscoreIndexes.get(set);
  if (!index) {
    index = new Map();
    for (const m of set) {
      const u = m.replaceAll('.', '_');
      index.set(u, index.has(u) ? null : m);
    }
    underscoreIndexes.set(set, index);
  }
  return index;
}

function resolveKohya(stem: string, modules: ModuleSets): Target | undefined {
  for (const [re, component] of KOHYA_PREFIXES) {
    if (!re.test(stem)) continue;
    const set = modules[component];
    if (!set) return undefined;
    let rest = stem.replace(re, '');
    if (component === 'unet' && isLdmStem(rest)) {
      const converted = ldmToDiffusersStem(rest, layersPerBlock(set));
      if (!converted) return undefined;
      rest = converted;
    }
    const module = underscoreIndex(set).get(rest);
    return module ? { component, module } : undefined;
  }
  return undefined;
}

/** `layers_per_block` read off the model's modules: the number of resnets in `down_blocks.0`. */
function layersPerBlock(set: ReadonlySet<string>): number {
  let max = -1;
  for (const m of set) {
    const r = /^down_blocks\.0\.resnets\.(\d+)\./.exec(m);
    if (r) max = Math.max(max, Number(r[1]));
  }
  return max >= 0 ? max + 1 : 2; // 2 for SD1.5 and SDXL when the model exposes no resnet module
}
