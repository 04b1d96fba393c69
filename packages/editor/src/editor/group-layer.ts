/**
 * Groups drawn on the canvas: plain DOM boxes in the area's content layer (under the nodes, so they
 * pan and zoom with them; a graph has few groups, so no React and no culling). Dragging a title moves
 * the group and every node whose centre is inside it; the corner handle resizes it; double-clicking
 * the title renames it; × deletes it (its nodes stay). Each of these is one undo step.
 */
import type { HistoryAction } from 'rete-history-plugin';
import { DEFAULT_GROUP_COLOR, GROUP_TITLE, holds, type CanvasGroup } from './groups.ts';
import type { Plugins } from './setup-plugins.ts';
import { nodeRect } from './view-culler.ts';

type Positions = Map<string, { x: number; y: number }>;

/** Groups and the nodes they moved, before and after one edit. */
class GroupsAction implements HistoryAction {
  constructor(
    readonly from: { groups: CanvasGroup[]; positions: Positions },
    readonly to: { groups: CanvasGroup[]; positions: Positions },
    private readonly apply: (state: { groups: CanvasGroup[]; positions: Positions }) => Promise<void>,
  ) {}
  undo(): Promise<void> {
    return this.apply(this.from);
  }
  redo(): Promise<void> {
    return this.apply(this.to);
  }
}

export class GroupLayer {
  #groups: CanvasGroup[] = [];
  readonly #layer = document.createElement('div');

  constructor(
    private readonly plugins: Plugins,
    private readonly changed: () => void,
  ) {
    this.#layer.className = 'group-layer';
    // First in the content layer: groups lie under nodes and links.
    plugins.area.area.content.holder.prepend(this.#layer);
  }

  list(): CanvasGroup[] {
    return structuredClone(this.#groups);
  }

  /** Replaces every group (a graph was loaded): not an edit. */
  load(groups: CanvasGroup[]): void {
    this.#groups = structuredClone(groups);
    this.#render();
  }

  /** Adds a group as one undoable edit. */
  add(group: CanvasGroup): void {
    this.#edit([...this.#groups, group]);
  }

  rename(index: number, title: string): void {
    this.#edit(this.#groups.map((g, i) => (i === index ? { ...g, title } : g)));
  }

  remove(index: number): void {
    this.#edit(this.#groups.filter((_, i) => i !== index));
  }

  #edit(groups: CanvasGroup[], positions: { from: Positions; to: Positions } = { from: new Map(), to: new Map() }): void {
    const action = new GroupsAction({ groups: this.list(), positions: positions.from }, { groups: structuredClone(groups), positions: positions.to }, (state) =>
      this.#restore(state),
    );
    this.#groups = structuredClone(groups);
    this.#render();
    this.plugins.history.add(action);
    this.changed();
  }

  async #restore(state: { groups: CanvasGroup[]; positions: Positions }): Promise<void> {
    this.#groups = structuredClone(state.groups);
    this.#render();
    for (const [id, at] of state.positions) await this.plugins.area.translate(id, at);
    this.changed();
  }

  /** Nodes whose centre lies in the group, with their positions. */
  #members(group: CanvasGroup): Positions {
    const out: Positions = new Map();
    for (const node of this.plugins.editor.getNodes()) {
      const rect = nodeRect(this.plugins.area, node);
      if (rect && holds(group, rect)) out.set(node.id, { x: rect.left, y: rect.top });
    }
    return out;
  }

  #render(): void {
    this.#layer.replaceChildren(...this.#groups.map((g, i) => this.#box(g, i)));
  }

  #box(group: CanvasGroup, index: number): HTMLElement {
    const [x, y, w, h] = group.bounding;
    const color = group.color ?? DEFAULT_GROUP_COLOR;
    const box = document.createElement('div');
    box.className = 'canvas-group';
    box.dataset.testid = 'group';
    box.style.cssText = `transform: translate(${x}px, ${y}px); width: ${w}px; height: ${h}px; border-color: ${color}; background: ${color}33;`;
    const title = document.createElement('div');
    title.className = 'group-title';
    title.style.height = `${GROUP_TITLE}px`;
    title.style.background = `${color}aa`;
    const text = document.createElement('span');
    text.textContent = group.title;
    text.dataset.testid = 'group-title';
    const close = document.createElement('button');
    close.textContent = '×';
    close.title = 'Delete the group (its nodes stay)';
    close.dataset.testid = 'group-delete';
    close.addEventListener('pointerdown', (e) => e.stopPropagation());
    close.addEventListener('click', () => this.remove(index));
    title.append(text, close);
    const handle = document.createElement('div');
    handle.className = 'group-resize';
    handle.title = 'Resize';
    box.append(title, handle);
    title.addEventListener('dblclick', (e) => {
      e.stopPropagation();
      this.#renameInline(text, index);
    });
    this.#dragOn(title, index, 'move');
    this.#dragOn(handle, index, 'resize');
    return box;
  }

  #renameInline(text: HTMLElement, index: number): void {
    const input = document.createElement('input');
    input.value = this.#groups[index]?.title ?? '';
    input.className = 'group-rename';
    input.dataset.testid = 'group-rename';
    input.addEventListener('pointerdown', (e) => e.stopPropagation());
    let done = false;
    const commit = (keep: boolean) => {
      if (done) return;
      done = true;
      const title = input.value.trim();
      if (keep && title && title !== this.#groups[index]?.title) this.rename(index, title);
      else this.#render();
    };
    input.addEventListener('keydown', (e) => {
      e.stopPropagation();
      if (e.key === 'Enter') commit(true);
      if (e.key === 'Escape') commit(false);
    });
    input.addEventListener('blur', () => commit(true));
    text.replaceWith(input);
    input.focus();
    input.select();
  }

  /** A pointer drag on `handle` moves the group with its nodes, or resizes it; one undo step on release. */
  #dragOn(handle: HTMLElement, index: number, kind: 'move' | 'resize'): void {
    handle.addEventListener('pointerdown', (down) => {
      if (down.button !== 0 || (down.target as HTMLElement).tagName === 'INPUT') return;
      // The area would pan (and start an undo gesture) on the same pointer.
      down.stopPropagation();
      const start = this.#groups[index];
      if (!start) return;
      // Selected nodes follow each other's moves (Rete's selectableNodes): the group moves its nodes itself.
      void this.plugins.selector.unselectAll();
      const from = structuredClone(this.#groups);
      const members = kind === 'move' ? this.#members(start) : new Map<string, { x: number; y: number }>();
      const k = this.plugins.area.area.transform.k;
      let moved = { dx: 0, dy: 0 };
      this.plugins.history.pause();
      const move = (e: PointerEvent) => {
        moved = { dx: (e.clientX - down.clientX) / k, dy: (e.clientY - down.clientY) / k };
        const [x, y, w, h] = start.bounding;
        const bounding: CanvasGroup['bounding'] =
          kind === 'move' ? [x + moved.dx, y + moved.dy, w, h] : [x, y, Math.max(120, w + moved.dx), Math.max(GROUP_TITLE + 40, h + moved.dy)];
        this.#groups[index] = { ...start, bounding };
        this.#render();
        for (const [id, p] of members) void this.plugins.area.translate(id, { x: p.x + moved.dx, y: p.y + moved.dy });
      };
      const up = () => {
        window.removeEventListener('pointermove', move);
        window.removeEventListener('pointerup', up);
        this.plugins.history.resume();
        if (moved.dx === 0 && moved.dy === 0) return;
        const to = new Map([...members].map(([id, p]) => [id, { x: p.x + moved.dx, y: p.y + moved.dy }]));
        const groups = this.#groups.map((g) => ({ ...g, bounding: g.bounding.map(Math.round) as CanvasGroup['bounding'] }));
        this.#groups = from;
        this.#edit(groups, { from: members, to });
      };
      window.addEventListener('pointermove', move);
      window.addEventListener('pointerup', up);
    });
  }
}
