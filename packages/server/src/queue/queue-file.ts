/**
 * The embedded queue's file, `<dataDir>/queue.json`: the priority counter, the running prompt and the
 * pending ones. Rewritten atomically on every change, so after a SIGKILL it holds the last acknowledged
 * state. Checked with zod on load, since it is a boundary like any other input.
 */
import { readFile, rename } from 'node:fs/promises';
import { z } from 'zod';
import type { QueuedPrompt } from './prompt-queue.ts';

const QueuedPromptShape = z.looseObject({
  promptId: z.string().min(1),
  number: z.number(),
  format: z.enum(['comfy', 'loom']),
  prompt: z.unknown(),
  graph: z.looseObject({ version: z.literal(1), nodes: z.record(z.string(), z.unknown()) }),
  extraData: z.record(z.string(), z.unknown()),
  targets: z.array(z.string()),
  clientId: z.string().optional(),
  classTypes: z.record(z.string(), z.string()),
  createdAt: z.number(),
});

const QueueFileShape = z.object({
  version: z.literal(1),
  counter: z.number().int().nonnegative(),
  running: QueuedPromptShape.nullable(),
  pending: z.array(QueuedPromptShape),
});

export interface QueueFile {
  version: 1;
  counter: number;
  running: QueuedPrompt | null;
  pending: QueuedPrompt[];
}

const EMPTY_QUEUE: QueueFile = { version: 1, counter: 0, running: null, pending: [] };

/** Reads the queue file; a missing file is an empty queue, an unreadable one is set aside and reported. */
export async function readQueueFile(path: string, warn: (message: string) => void): Promise<QueueFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { ...EMPTY_QUEUE, pending: [] };
    throw err;
  }
  try {
    // The shape was checked; graphs inside were validated when they were submitted.
    return QueueFileShape.parse(JSON.parse(text)) as unknown as QueueFile;
  } catch (err) {
    const aside = `${path}.unreadable-${Date.now()}`;
    await rename(path, aside);
    warn(`The queue file ${path} is unreadable (${(err as Error).message}); moved it to ${aside} and started with an empty queue.`);
    return { ...EMPTY_QUEUE, pending: [] };
  }
}
