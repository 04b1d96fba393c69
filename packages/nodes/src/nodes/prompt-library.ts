/**
 * PromptLibrary: a prompt library file → positive and negative prompt strings, deterministic for a seed
 * (CPython's `random.seed(seed)` + one `random.choice` per pick group, see sd/prompt-library/compose.ts).
 * Link `seed` from the sampler's Seed node and a SafetyRetry on the same seed re-picks the prompt on
 * every retry, as the seed playground did. Files are read from the project folder (the folder that holds
 * models/, where prompts.json lives); both Loom's format and the seed playground's are accepted.
 */
import { dirname } from 'node:path';
import { z } from 'zod';
import { atInput, defineNode, MAX_SEED, param, STRING } from '@loom/engine';
import type { NodePackConfig } from '../pack-config.ts';
import { fileStamp, resolveInside } from '../model-files.ts';
import { loadPromptLibrary } from '../sd/prompt-library/load.ts';
import { composePrompt, promptSet } from '../sd/prompt-library/compose.ts';

export const promptLibraryNode = (config: NodePackConfig) => {
  const projectDir = dirname(config.modelsDir);
  return defineNode({
    type: 'PromptLibrary',
    category: 'conditioning/prompts',
    description:
      'Builds a positive and a negative prompt from a prompt library (prompts.json): one random option per pick group (seeded like Python’s random.choice), then trigger words, fixed parts and quality positives. Also reads the seed playground’s {major, combinations, positives, negatives} files.',
    inputs: {},
    params: {
      library: param(z.string().min(1).default('prompts.json'), 'Library file inside the project folder (beside models/)'),
      set: param(z.string().default(''), 'Prompt set name; empty = the first set in the file'),
      seed: param(z.int().min(0).max(MAX_SEED).default(0), 'Picks the options; link it from the Seed node so retries re-pick', 'seed'),
      trigger: param(z.string().max(1000).default(''), 'Trigger words placed after the picks, e.g. a LoRA’s "(genshin impact style)"'),
    },
    outputs: { positive: STRING, negative: STRING },
    fingerprint: async ({ library }) => (library === undefined ? '' : fileStamp(await resolveInside(projectDir, library, 'Prompt library').catch(() => ''))),
    run: async (_inputs, { library, set, seed, trigger }, ctx) => {
      const path = await atInput('library', () => resolveInside(projectDir, library, 'Prompt library'));
      const loaded = await atInput('library', () => loadPromptLibrary(path, ctx.objects));
      const composed = composePrompt(promptSet(loaded, set, path), seed, trigger);
      ctx.ui({ text: [composed.positive], picks: [composed.picks] });
      return { positive: composed.positive, negative: composed.negative };
    },
  });
};
