/** Which embeddings produced a latent: those of its positive and negative conditionings, for PNG metadata. */
import type { Conditioning, UsedEmbedding } from '../../ports.ts';

/** The embeddings of the conditionings (every entry), each once, in order of first use. */
export function embeddingsOf(...conditionings: Conditioning[]): UsedEmbedding[] {
  const byName = new Map<string, UsedEmbedding>();
  for (const c of conditionings)
    for (const entry of [c, ...(c.more ?? [])]) for (const e of entry.embeddings ?? []) if (!byName.has(e.name)) byName.set(e.name, e);
  return [...byName.values()];
}
