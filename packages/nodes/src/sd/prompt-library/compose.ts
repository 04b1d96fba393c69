/**
 * Turning a prompt set into a positive and a negative prompt for a seed. The positive prompt is laid
 * out as the seed playground built it (`f"{', '.join(selected)}, {', '.join(major + positives)}"`):
 * the picked options, then trigger words, the fixed parts and the quality positives, joined by ", ".
 * Picks use CPython's RNG (py-random.ts): `random.seed(seed)` then one `random.choice` per group, in
 * order, so the same seed gives the same prompt here and in Python.
 */
import { LoomError } from '@loom/engine';
import { PyRandom } from './py-random.ts';
import type { PromptLibrary, PromptSet } from './schema.ts';

export interface ComposedPrompt {
  positive: string;
  negative: string;
  /** The option drawn from each pick group, by group name. */
  picks: Record<string, string>;
}

/** The named set, or the first one for an empty name. */
export function promptSet(library: PromptLibrary, name: string, source: string): PromptSet {
  const names = Object.keys(library.sets);
  const set = library.sets[name === '' ? (names[0] as string) : name];
  if (!set) throw new LoomError('PARAM_INVALID', `${source} has no prompt set "${name}"; it has ${names.map((n) => `"${n}"`).join(', ')}.`, { input: 'set' });
  return set;
}

export function composePrompt(set: PromptSet, seed: number, trigger = ''): ComposedPrompt {
  const random = new PyRandom(seed);
  const picks: Record<string, string> = {};
  const drawn = set.pick.map((group) => {
    const option = random.choice(group.options);
    picks[group.name] = option;
    return option;
  });
  const positive = [...drawn, ...(trigger.trim() ? [trigger.trim()] : []), ...set.fixed, ...set.positives].join(', ');
  return { positive, negative: set.negatives.join(', '), picks };
}
