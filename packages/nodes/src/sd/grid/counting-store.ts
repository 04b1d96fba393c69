/**
 * An object store that records every object it creates, so hosts and tests can count model loads:
 * session keys (`session|<file>…`) and LoRA branch sessions (`lora-branches|<file>…`, one session per base
 * model whatever LoRA is applied). The count is observed from outside the nodes; nothing in the
 * engine or the nodes changes.
 */
import { ObjectStore, type ObjectCache } from '@loom/engine';

export interface LoadCount {
  /** Sessions created (plain and LoRA branch sessions), in order. */
  sessions: string[];
  /** Sessions per model file. */
  byModel: Record<string, number>;
}

export class CountingObjectStore extends ObjectStore {
  readonly created: string[] = [];

  override forRun(runId: string): ObjectCache {
    const inner = super.forRun(runId);
    return {
      has: (key) => inner.has(key),
      getOrCreate: (key, create) =>
        inner.getOrCreate(key, () => {
          this.created.push(key);
          return create();
        }),
    };
  }

  /** Model loads so far: created sessions and LoRA branch sessions, grouped by model file. */
  loads(): LoadCount {
    const sessions = this.created.filter((key) => key.startsWith('session|') || key.startsWith('lora-branches|'));
    const byModel: Record<string, number> = {};
    for (const key of sessions) {
      // Keys are `<kind>|<path>:<size>:<mtime>|…`: the model file is the second field up to its size.
      const file = (key.split('|')[1] ?? '').replace(/:\d+:[\d.]+$/, '');
      byModel[file] = (byModel[file] ?? 0) + 1;
    }
    return { sessions, byModel };
  }
}
