/**
 * What every {@link PromptQueue} implementation shares: its listeners, to which a broken one (a socket
 * bug) must never stop the queue, and the closed state after which it accepts no new prompts.
 */
import { LoomError } from '@loom/engine';
import type { QueueEvent, QueueListener } from './prompt-queue.ts';

export class QueueListeners {
  readonly #listeners = new Set<QueueListener>();
  #closed = false;

  constructor(private readonly log: (message: string) => void) {}

  /** Adds a listener; the returned function removes it (PromptQueue.on). */
  on(listener: QueueListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  emit(event: QueueEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (err) {
        this.log(`Queue listener failed: ${(err as Error).message}`);
      }
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** From now on {@link assertOpen} refuses. */
  close(): void {
    this.#closed = true;
  }

  /** Throws USAGE once the queue is closed (the server is shutting down). */
  assertOpen(): void {
    if (this.#closed) throw new LoomError('USAGE', 'The server is shutting down and accepts no new prompts.');
  }
}
