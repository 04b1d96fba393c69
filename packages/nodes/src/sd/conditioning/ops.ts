/**
 * ComfyUI's conditioning arithmetic, re-derived from nodes.py (ConditioningAverage.addWeighted,
 * ConditioningConcat.concat, ConditioningZeroOut.zero_out). Each maps over the entries of its first
 * input and takes only the first entry of the second, as ComfyUI does (it warns when there are more).
 */
import { LoomError, type NodeLog } from '@loom/engine';
import { conditioningEntries, conditioningOf, type Conditioning, type ConditioningEntry } from '../../ports.ts';

function firstOf(from: Conditioning, node: string, log: NodeLog): ConditioningEntry {
  if (from.more && from.more.length > 0)
    log.warn(`${node}: the second conditioning has ${from.more.length + 1} entries; only the first is applied, as in ComfyUI.`);
  return conditioningEntries(from)[0] as ConditioningEntry;
}

function sameWidth(to: ConditioningEntry, from: ConditioningEntry, input: string): void {
  if (to.dim !== from.dim) {
    throw new LoomError('TYPE_MISMATCH', `Conditionings of width ${to.dim} and ${from.dim} cannot be mixed: both must come from the same text encoder.`, {
      input,
    });
  }
}

/**
 * `to·s + from·(1 − s)` token by token; `from` is cut or zero-padded to `to`'s length. Pooled outputs
 * mix the same way when both exist; `to` without one takes `from`'s.
 */
export function averageConditioning(to: Conditioning, from: Conditioning, strength: number, log: NodeLog): Conditioning {
  const source = firstOf(from, 'ConditioningAverage', log);
  return conditioningOf(
    conditioningEntries(to).map((entry) => {
      sameWidth(entry, source, 'conditioningFrom');
      const embeds = new Float32Array(entry.embeds.length);
      for (let i = 0; i < embeds.length; i++) embeds[i] = (entry.embeds[i] as number) * strength + (source.embeds[i] ?? 0) * (1 - strength);
      const pooledTo = entry.pooled ?? source.pooled;
      let pooled = entry.pooled;
      if (source.pooled && pooledTo) pooled = Float32Array.from(pooledTo, (v, i) => v * strength + (source.pooled?.[i] ?? 0) * (1 - strength));
      return { ...entry, embeds, ...(pooled && { pooled }) };
    }),
  );
}

/** `from`'s tokens appended after each entry's tokens (the prompts read as one longer sequence). */
export function concatConditioning(to: Conditioning, from: Conditioning, log: NodeLog): Conditioning {
  const source = firstOf(from, 'ConditioningConcat', log);
  return conditioningOf(
    conditioningEntries(to).map((entry) => {
      sameWidth(entry, source, 'conditioningFrom');
      const embeds = new Float32Array(entry.embeds.length + source.embeds.length);
      embeds.set(entry.embeds);
      embeds.set(source.embeds, entry.embeds.length);
      return { ...entry, embeds, tokens: entry.tokens + source.tokens, prompt: `${entry.prompt} ${source.prompt}`.trim() };
    }),
  );
}

/** Every entry's hidden states (and pooled output) set to zeros, keeping shapes and the other fields. */
export function zeroOutConditioning(c: Conditioning): Conditioning {
  return conditioningOf(
    conditioningEntries(c).map((entry) => ({
      ...entry,
      embeds: new Float32Array(entry.embeds.length),
      // Padding a zeroed prompt to a longer one's length pads with zeros too.
      padWindow: new Float32Array(entry.padWindow.length),
      ...(entry.pooled && { pooled: new Float32Array(entry.pooled.length) }),
    })),
  );
}

/** The same entries with `fields` set on each (ConditioningSetArea, ConditioningSetTimestepRange). */
export function withFields(c: Conditioning, fields: Partial<ConditioningEntry>): Conditioning {
  return conditioningOf(conditioningEntries(c).map((entry) => ({ ...entry, ...fields })));
}
