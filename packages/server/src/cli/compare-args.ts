/**
 * `loom-compare` argument parsing: variants, prompt rows and seeds given on the command line become the
 * ComparisonGrid node's `variants`, `prompts` and `seeds` parameters.
 */
import { LoomError } from '@loom/engine';

export interface VariantArg {
  label: string;
  rank?: number;
  set: Record<string, string | number | boolean>;
}

const value = (text: string): string | number | boolean =>
  /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text === 'true' ? true : text === 'false' ? false : text;

/** `LABEL[@RANK][:NAME=VALUE,NAME=VALUE]`, e.g. `base@0:strength=0` or `r4@4:lora=x/pytorch_lora_weights_4.safetensors`. */
export function parseVariant(spec: string): VariantArg {
  const colon = spec.indexOf(':');
  const head = colon < 0 ? spec : spec.slice(0, colon);
  const [label = '', rankText] = head.split('@');
  if (label === '' || (rankText !== undefined && !/^\d{1,2}$/.test(rankText))) {
    throw new LoomError('USAGE', `--variant "${spec}": expected LABEL[@RANK][:NAME=VALUE,...] with a rank of 0–99.`);
  }
  const set: VariantArg['set'] = {};
  for (const pair of colon < 0 ? [] : spec.slice(colon + 1).split(',')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new LoomError('USAGE', `--variant "${spec}": "${pair}" is not NAME=VALUE.`);
    set[pair.slice(0, eq).trim()] = value(pair.slice(eq + 1).trim());
  }
  return { label, ...(rankText !== undefined && { rank: Number(rankText) }), set };
}

/** The seed playground's columns: rank 0 is the base model (strength 0), others load the pattern's file. */
export function rankVariants(ranks: number[], pattern: string, labelStem: string): VariantArg[] {
  if (!pattern.includes('{rank}')) throw new LoomError('USAGE', `--lora-pattern "${pattern}" must contain {rank}.`);
  return ranks.map((rank): VariantArg =>
    rank === 0
      ? { label: labelStem, rank: 0, set: { strength: 0 } }
      : { label: `${labelStem}-lora-${rank}`, rank, set: { lora: pattern.replaceAll('{rank}', String(rank)), strength: 1 } },
  );
}

/** The rank pattern of a LoRA file named like the seed's, `…_{rank}.safetensors`. */
export function loraPatternOf(file: string): string | undefined {
  return /_\d+\.safetensors$/.test(file) ? file.replace(/_\d+\.safetensors$/, '_{rank}.safetensors') : undefined;
}

/** `1,2,3`, `100-104` or a mix: `1,5-7`. */
export function parseIntList(text: string, what: string): number[] {
  const out: number[] = [];
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const range = /^(\d+)-(\d+)$/.exec(part);
    if (range) {
      const [from, to] = [Number(range[1]), Number(range[2])];
      if (to < from || to - from > 10_000) throw new LoomError('USAGE', `${what}: bad range "${part}".`);
      for (let n = from; n <= to; n++) out.push(n);
    } else if (/^\d+$/.test(part)) out.push(Number(part));
    else throw new LoomError('USAGE', `${what}: "${part}" is not a whole number or a range like 10-19.`);
  }
  if (out.length === 0) throw new LoomError('USAGE', `${what}: no numbers given.`);
  return out;
}
