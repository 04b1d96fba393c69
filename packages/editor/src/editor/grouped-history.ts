/**
 * Undo/redo on Rete's history plugin, with two additions the classic preset lacks:
 * - batches: a compound edit (delete a selection with its links, paste, arrange) is one undo step;
 * - parameter edits: a value change is an action, and quick successive edits of the same field
 *   (typing) merge into one.
 */
import { HistoryPlugin, type HistoryAction } from 'rete-history-plugin';
import type { NodeLook, Schemes } from './loom-node.ts';

class BatchAction implements HistoryAction {
  constructor(readonly actions: HistoryAction[]) {}
  async undo(): Promise<void> {
    for (const action of [...this.actions].reverse()) await action.undo();
  }
  async redo(): Promise<void> {
    for (const action of this.actions) await action.redo();
  }
}

/** A parameter value change. */
export class ParamAction implements HistoryAction {
  constructor(
    readonly nodeId: string,
    readonly name: string,
    readonly from: unknown,
    public to: unknown,
    private readonly apply: (nodeId: string, name: string, value: unknown) => void,
  ) {}
  undo(): void {
    this.apply(this.nodeId, this.name, this.from);
  }
  redo(): void {
    this.apply(this.nodeId, this.name, this.to);
  }
}

/** A change of a node's mode, collapse or colour. */
export class LookAction implements HistoryAction {
  constructor(
    readonly nodeId: string,
    readonly from: NodeLook,
    readonly to: NodeLook,
    private readonly apply: (nodeId: string, look: NodeLook) => void,
  ) {}
  undo(): void {
    this.apply(this.nodeId, this.from);
  }
  redo(): void {
    this.apply(this.nodeId, this.to);
  }
}

const MERGE_MS = 1200;

export class GroupedHistory extends HistoryPlugin<Schemes> {
  #batch: HistoryAction[] | null = null;
  #depth = 0;
  #paused = 0;

  /**
   * Records nothing until {@link resume}: an edit that moves nodes step by step (dragging a group)
   * records itself once, at the end, instead of one node move per pointer event.
   */
  pause(): void {
    this.#paused++;
  }

  resume(): void {
    this.#paused--;
  }

  override add(action: HistoryAction): void {
    if (this.#paused > 0) return;
    if (this.#batch) this.#batch.push(action);
    else this.#record(action);
  }

  /**
   * Every record is its own undo step: the plugin would otherwise also undo whatever happened within
   * 200 ms before it, and our steps are already grouped by batches.
   */
  #record(action: HistoryAction): void {
    super.add(action);
    this.separate();
  }

  /** Opens a batch (a pointer gesture: dragging a selection moves every node in one step). */
  begin(): void {
    if (this.#depth++ === 0) this.#batch = [];
  }

  /** Closes a batch; the outermost close records it. */
  end(): void {
    if (this.#depth === 0 || --this.#depth > 0) return;
    const actions = this.#batch ?? [];
    this.#batch = null;
    if (actions.length === 1) this.#record(actions[0] as HistoryAction);
    else if (actions.length > 1) this.#record(new BatchAction(actions));
  }

  /** Runs `work`, recording everything it does as one undo step. */
  async batch<T>(work: () => Promise<T>): Promise<T> {
    this.begin();
    try {
      return await work();
    } finally {
      this.end();
    }
  }

  /** Records a parameter edit, merging into the previous one when it edits the same field moments later. */
  recordParam(action: ParamAction): void {
    const last = this.getHistorySnapshot().at(-1);
    if (
      !this.#batch &&
      last &&
      last.action instanceof ParamAction &&
      last.action.nodeId === action.nodeId &&
      last.action.name === action.name &&
      Date.now() - last.time < MERGE_MS
    ) {
      last.action.to = action.to;
      last.time = Date.now();
      return;
    }
    this.add(action);
  }
}
