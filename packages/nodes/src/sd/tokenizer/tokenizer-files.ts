/**
 * Reading a CLIP tokenizer folder as the SD repos ship it: `vocab.json`, `merges.txt`,
 * `tokenizer_config.json`, `special_tokens_map.json` (no `tokenizer.json` in diffusers' `tokenizer/` folders).
 * zod checks the JSON at this file boundary; unknown keys are kept out of the way, not rejected.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { LoomError } from '@loom/engine';

/** A special token is written either as a plain string or as an `AddedToken` object with `content`. */
const tokenSpec = z.union([z.string(), z.looseObject({ content: z.string() })]).nullish();

const specialTokensSchema = z.looseObject({
  bos_token: tokenSpec,
  eos_token: tokenSpec,
  pad_token: tokenSpec,
  unk_token: tokenSpec,
  model_max_length: z.number().optional(),
});

/** What a tokenizer needs, already parsed. */
export interface TokenizerParts {
  /** token string → id (`vocab.json`). */
  vocab: Readonly<Record<string, number>>;
  /** merge rules in rank order, each `"left right"`, header excluded. */
  merges: readonly string[];
  /** `tokenizer_config.json` (optional). */
  config?: unknown;
  /** `special_tokens_map.json` (optional; wins over the config for the special tokens, like transformers). */
  specialTokensMap?: unknown;
}

/** Special token strings and the max length resolved from the two config files, with CLIP defaults. */
export interface ResolvedSpecials {
  bos: string;
  eos: string;
  pad: string;
  unk: string;
  maxLength: number;
}

const contentOf = (spec: z.infer<typeof tokenSpec>): string | undefined => (spec == null ? undefined : typeof spec === 'string' ? spec : spec.content);

/** Resolve special tokens; defaults are transformers' `CLIPTokenizer.__init__` defaults. */
export function resolveSpecials(config: unknown, specialTokensMap: unknown): ResolvedSpecials {
  const cfg = specialTokensSchema.parse(config ?? {});
  const map = specialTokensSchema.parse(specialTokensMap ?? {});
  const pick = (key: 'bos_token' | 'eos_token' | 'pad_token' | 'unk_token'): string | undefined => contentOf(map[key]) ?? contentOf(cfg[key]);
  const eos = pick('eos_token') ?? '<|endoftext|>';
  // transformers stores a huge sentinel (1e30) when no limit is configured; CLIP's text encoder takes 77.
  const maxLength = cfg.model_max_length !== undefined && cfg.model_max_length < 1e6 ? cfg.model_max_length : 77;
  return {
    bos: pick('bos_token') ?? '<|startoftext|>',
    eos,
    pad: pick('pad_token') ?? eos,
    unk: pick('unk_token') ?? eos,
    maxLength,
  };
}

/** Split `merges.txt`: drop the `#version` header and blank lines. */
export function parseMerges(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.replace(/\r$/, ''))
    .filter((line, i) => line.trim() !== '' && !(i === 0 && line.startsWith('#')));
}

/** Read the four files of a tokenizer folder; the two JSON configs may be missing. */
export async function readTokenizerDir(dir: string): Promise<TokenizerParts> {
  const readText = async (name: string): Promise<string> => {
    try {
      return await readFile(join(dir, name), 'utf8');
    } catch (cause) {
      const missing = (cause as NodeJS.ErrnoException).code === 'ENOENT';
      throw new LoomError(
        missing ? 'MODEL_NOT_FOUND' : 'BAD_FILE',
        `CLIP tokenizer: cannot read ${join(dir, name)} (a tokenizer folder needs vocab.json and merges.txt)`,
        { cause },
      );
    }
  };
  const readJson = async (name: string, optional: boolean): Promise<unknown> => {
    let text: string;
    try {
      text = await readFile(join(dir, name), 'utf8');
    } catch (cause) {
      if (optional) return undefined;
      const missing = (cause as NodeJS.ErrnoException).code === 'ENOENT';
      throw new LoomError(
        missing ? 'MODEL_NOT_FOUND' : 'BAD_FILE',
        `CLIP tokenizer: cannot read ${join(dir, name)}${missing ? ' (a tokenizer folder needs vocab.json and merges.txt)' : ''}`,
        { cause },
      );
    }
    try {
      return JSON.parse(text) as unknown;
    } catch (cause) {
      throw new LoomError('BAD_FILE', `CLIP tokenizer: ${join(dir, name)} is not valid JSON`, { cause });
    }
  };
  const vocab = z.record(z.string(), z.number().int().nonnegative()).safeParse(await readJson('vocab.json', false));
  if (!vocab.success) throw new LoomError('BAD_FILE', `CLIP tokenizer: ${join(dir, 'vocab.json')} must map each token to a whole number ≥ 0.`);
  return {
    vocab: vocab.data,
    merges: parseMerges(await readText('merges.txt')),
    config: await readJson('tokenizer_config.json', true),
    specialTokensMap: await readJson('special_tokens_map.json', true),
  };
}
