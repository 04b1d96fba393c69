/**
 * Format sniffing and per-key classification of LoRA state-dict keys.
 *
 * Sniff order follows diffusers `convert_state_dict_to_diffusers` (state_dict_utils.py) and
 * `lora_conversion_utils.py`: old attention-processor keys first, then PEFT
 * `lora_A`, then the current diffusers spellings, then kohya prefixes. LyCORIS variants are
 * recognised by their tensor suffixes (KohakuBlueleaf/LyCORIS module names) and reported by name.
 */
import type { LoraFormat } from './types.ts';

/** What one key is, with the module stem it belongs to. */
export type KeyRole = { role: 'down' | 'up' | 'alpha'; stem: string } | { role: 'unsupported'; stem: string; kind: string } | { role: 'unknown' };

/** Suffix → role, most specific first. Stems keep any component prefix (`unet.`, `lora_unet_`). */
const SUFFIXES: [RegExp, 'down' | 'up'][] = [
  [/^(.*)_lora\.down\.weight$/, 'down'], // attn-procs: …to_q_lora.down.weight
  [/^(.*)_lora\.up\.weight$/, 'up'],
  [/^(.*)\.lora_linear_layer\.down\.weight$/, 'down'],
  [/^(.*)\.lora_linear_layer\.up\.weight$/, 'up'],
  [/^(.*)\.lora\.down\.weight$/, 'down'],
  [/^(.*)\.lora\.up\.weight$/, 'up'],
  [/^(.*)\.lora_A(?:\.[A-Za-z0-9_-]+)?\.weight$/, 'down'], // PEFT, optionally with an adapter name
  [/^(.*)\.lora_B(?:\.[A-Za-z0-9_-]+)?\.weight$/, 'up'],
  [/^(.*)\.lora_down\.weight$/, 'down'],
  [/^(.*)\.lora_up\.weight$/, 'up'],
];

/** LyCORIS and other variants we detect but do not merge. */
const VARIANTS: [RegExp, string][] = [
  [/^(.*)\.hada_(?:w1_a|w1_b|w2_a|w2_b|t1|t2)$/, 'LoHa (hada_*)'],
  [/^(.*)\.lokr_(?:w1|w1_a|w1_b|w2|w2_a|w2_b|t2)$/, 'LoKr (lokr_*)'],
  [/^(.*)\.lora_mid\.weight$/, 'LoCon with CP decomposition (lora_mid)'],
  [/^(.*)\.(?:diff|diff_b)$/, 'full weight difference (.diff)'],
  [/^(.*)\.dora_scale$/, 'DoRA (dora_scale)'],
  [/^(.*)\.oft_(?:blocks|diag)$/, 'OFT (oft_*)'],
  [/^(.*)\.(?:on_input)$/, 'IA3 (on_input)'],
];

/** Classifies one key. `alpha` keys are `<stem>.alpha` in every format that stores them. */
export function classifyKey(key: string): KeyRole {
  for (const [re, kind] of VARIANTS) {
    const m = re.exec(key);
    if (m) return { role: 'unsupported', stem: m[1]!, kind };
  }
  for (const [re, role] of SUFFIXES) {
    const m = re.exec(key);
    if (m) return { role, stem: m[1]! };
  }
  if (key.endsWith('.alpha')) return { role: 'alpha', stem: key.slice(0, -'.alpha'.length) };
  return { role: 'unknown' };
}

/** Sniffs the file's key layout; undefined when no key looks like any LoRA format. */
export function sniffFormat(keys: readonly string[]): LoraFormat | undefined {
  if (keys.some((k) => /_lora\.(?:down|up)\.weight$/.test(k) || k.includes('to_out_lora'))) return 'diffusers-attnproc';
  if (keys.some((k) => /\.lora_[AB](?:\.[A-Za-z0-9_-]+)?\.weight$/.test(k))) return 'peft';
  if (keys.some((k) => k.includes('lora_linear_layer') || /\.lora\.(?:down|up)\.weight$/.test(k))) return 'diffusers';
  if (keys.some((k) => /^lora_(?:unet|te\d?)_/.test(k))) return 'kohya';
  return undefined;
}
