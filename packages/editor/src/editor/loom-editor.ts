/**
 * The editor as the app sees it: load and serialise graphs, add nodes, edit parameters with undo,
 * arrange, fit, select, and show run state and validation problems on nodes. Compound edits (cut,
 * paste, arrange, a dragged selection) are single undo steps. Listeners hear about every change to
 * the document (nodes, links, values, positions), never about run-state or selection changes.
 */
import { AreaExtensions } from 'rete-area-plugin';
import type { Graph, Problem } from '../api/types.ts';
import { CatalogIndex } from './catalog-index.ts';
import { GroupLayer } from './group-layer.ts';
import { groupAround, readGroups } from './groups.ts';
import { LookAction, ParamAction } from './grouped-history.ts';
import type { LoomNode, NodeLook, NodeMode, NodeRun, SeedMode } from './loom-node.ts';
import { fromGraph, toGraph, type PlacedGraph } from './serialize.ts';
import type { Plugins } from './setup-plugins.ts';
import { timeSlicer } from './time-slice.ts';
import { nodeRect } from './view-culler.ts';
import { numberSpec, randomSeed } from './views/widget-math.ts';

function nextFrames(count: number): Promise<void> {
  return new Promise((resolve) => {
    const step = (left: number) => (left === 0 ? resolve() : requestAnimationFrame(() => step(left - 1)));
    step(count);
  });
}

/** Longest stretch of graph building between two chances for the page to paint (ms). */
const SLICE_MS = 40;

export class LoomEditor {
  readonly #listeners = new Set<() => void>();
  #quiet = 0;
  #gesture = false;
  /** The document's meta, except its groups (which {@link groups} holds while the graph is open). */
  meta: Record<string, unknown> = {};
  readonly groups: GroupLayer;

  constructor(
    readonly plugins: Plugins,
    readonly catalog: CatalogIndex,
  ) {
    const { editor, area } = plugins;
    this.groups = new GroupLayer(plugins, () => this.changed());
    editor.addPipe((context) => {
      if (context.type === 'connectioncreated' || context.type === 'connectionremoved') {
        const target = editor.getNode(context.data.target);
        // A new link answers a problem reported at that input.
        if (target && context.type === 'connectioncreated') target.problems = target.problems.filter((p) => p.input !== context.data.targetInput);
        // The target shows a linked parameter differently (no widget), so it re-renders.
        void area.update('node', context.data.target);
      }
      if (['nodecreated', 'noderemoved', 'connectioncreated', 'connectionremoved'].includes(context.type)) this.changed();
      return context;
    });
    area.addPipe((context) => {
      if (context.type === 'nodetranslated') this.changed();
      // A pointer gesture (dragging one node or a whole selection) is one undo step.
      // A pointerup lost outside the window must not leave a batch open, so a new gesture closes the old.
      if (context.type === 'pointerdown') {
        // Clicking the canvas leaves a node's text field, so shortcuts act on the graph again.
        const active = document.activeElement;
        if (active instanceof HTMLElement && plugins.area.container.contains(active)) active.blur();
        if (this.#gesture) plugins.history.end();
        plugins.history.begin();
        this.#gesture = true;
      }
      if (context.type === 'pointerup' && this.#gesture) {
        plugins.history.end();
        this.#gesture = false;
      }
      return context;
    });
  }

  /** Subscribes to document changes; returns the unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  changed(): void {
    if (this.#quiet === 0) for (const listener of this.#listeners) listener();
  }

  nodes(): LoomNode[] {
    return this.plugins.editor.getNodes();
  }

  selected(): LoomNode[] {
    return this.nodes().filter((n) => n.selected);
  }

  toGraph(): Graph {
    const groups = this.groups.list();
    return toGraph(this.plugins.editor, this.plugins.area, { ...this.meta, ...(groups.length > 0 && { groups }) });
  }

  /** Surrounds the selected nodes with a new group (ComfyUI's Ctrl+G); false when nothing is selected. */
  groupSelected(title = 'Group'): boolean {
    const rects = this.selected().flatMap((n) => nodeRect(this.plugins.area, n) ?? []);
    if (rects.length === 0) return false;
    this.groups.add(groupAround(rects, title));
    return true;
  }

  freshId(type: string, reserved: Set<string> = new Set()): string {
    return CatalogIndex.freshId(type, (id) => reserved.has(id) || this.plugins.editor.getNode(id) !== undefined);
  }

  /** `at`, or the first spot below it where a node of `size` overlaps no other node. */
  freeSpot(at: { x: number; y: number }, size = { width: 280, height: 160 }): { x: number; y: number } {
    const rects = this.nodes().flatMap((n) => nodeRect(this.plugins.area, n) ?? []);
    const spot = { ...at };
    for (let tries = 0; tries < 50; tries++) {
      const hit = rects.find((r) => r.left < spot.x + size.width && r.right > spot.x && r.top < spot.y + size.height && r.bottom > spot.y);
      if (!hit) break;
      spot.y = hit.bottom + 30;
    }
    return spot;
  }

  /** Adds a node of `type` at `at` (area coordinates; the pointer by default) and selects it. */
  async addNode(type: string, at = this.plugins.area.area.pointer): Promise<LoomNode> {
    const node = this.catalog.createNode(this.freshId(type), type);
    await this.plugins.history.batch(async () => {
      await this.plugins.editor.addNode(node);
      await this.plugins.area.translate(node.id, at);
    });
    await this.selectOnly([node.id]);
    return node;
  }

  /**
   * Adds placed nodes and links; nodes without a position are laid out in a row after `origin`.
   * Every node and link passes through all plugins' pipes (~1 ms each), so a big graph is added in
   * slices of {@link SLICE_MS}, letting the page paint and answer input in between.
   */
  async place(placed: PlacedGraph, origin = { x: 0, y: 0 }, breathe = timeSlicer(SLICE_MS)): Promise<void> {
    let column = 0;
    for (const { node, position } of placed.nodes) {
      await this.plugins.editor.addNode(node);
      const at = position ? { x: position[0] + origin.x, y: position[1] + origin.y } : { x: origin.x + 320 * column++, y: origin.y };
      await this.plugins.area.translate(node.id, at);
      await breathe();
    }
    for (const connection of placed.connections) {
      await this.plugins.editor.addConnection(connection);
      await breathe();
    }
  }

  /** Replaces the document. Returns notes about anything that could not be shown as it was. */
  async load(graph: Graph): Promise<string[]> {
    const breathe = timeSlicer(SLICE_MS);
    const placed = await fromGraph(graph, this.catalog, { breathe });
    const unplaced = placed.nodes.some((n) => n.position === undefined);
    this.#quiet++;
    try {
      // One pass at the end mounts what is in view: no node renders while the graph is being built.
      this.plugins.culler.suspend();
      try {
        await this.plugins.editor.clear();
        const { groups, ...meta } = structuredClone(graph.meta ?? {});
        this.meta = meta;
        const read = readGroups(groups);
        this.groups.load(read.groups);
        if (read.dropped > 0)
          placed.notes.push(
            `${read.dropped} entr${read.dropped === 1 ? 'y' : 'ies'} of meta.groups had no [x, y, width, height] bounding and ${read.dropped === 1 ? 'was' : 'were'} dropped.`,
          );
        await this.place(placed, undefined, breathe);
        // Fit needs the page's final layout (on a reload the restore runs while the page is still
        // laying out); it reads positions and estimated sizes only, so it runs before the first
        // culling pass, which then mounts what the final view shows (nothing, from far) and no more.
        await nextFrames(2);
        if (!unplaced) await this.zoomToFit();
      } finally {
        this.plugins.culler.resume();
      }
      // ELK's layout wants the measured sizes of the nodes in view.
      if (unplaced) {
        await nextFrames(2);
        await this.#layout();
        await nextFrames(2);
        await this.zoomToFit();
      }
    } finally {
      this.#quiet--;
    }
    this.plugins.history.clear();
    this.changed();
    return placed.notes;
  }

  async clear(): Promise<void> {
    await this.load({ version: 1, nodes: {} });
  }

  /** Sets a parameter value as a user edit (undoable; successive keystrokes merge). */
  setParam(node: LoomNode, name: string, value: unknown): void {
    const from = node.values[name];
    if (Object.is(from, value)) return;
    this.#applyParam(node.id, name, value);
    this.plugins.history.recordParam(new ParamAction(node.id, name, from, value, (id, n, v) => this.#applyParam(id, n, v)));
  }

  #applyParam(nodeId: string, name: string, value: unknown): void {
    const node = this.plugins.editor.getNode(nodeId);
    if (!node) return;
    if (value === undefined) delete node.values[name];
    else node.values[name] = value;
    if (node.problems.some((p) => p.input === name)) node.problems = node.problems.filter((p) => p.input !== name);
    void this.plugins.area.update('node', nodeId);
    this.changed();
  }

  /** Bypass or mute flips as in ComfyUI's Ctrl+B / Ctrl+M: on for all, unless all already have it. */
  toggleMode(nodes: LoomNode[], mode: NodeMode): Promise<void> {
    return this.changeLook(nodes, { mode: nodes.every((n) => n.mode === mode) ? undefined : mode });
  }

  /** Changes the look of `nodes` (mode, collapse, colour; `undefined` clears a key) as one undo step. */
  async changeLook(nodes: LoomNode[], patch: NodeLook): Promise<void> {
    if (nodes.length === 0) return;
    await this.plugins.history.batch(async () => {
      for (const node of nodes) {
        const from = node.look();
        const to = { ...from, ...patch };
        for (const key of Object.keys(patch) as (keyof NodeLook)[]) if (patch[key] === undefined) delete to[key];
        this.#applyLook(node.id, to);
        this.plugins.history.add(new LookAction(node.id, from, to, (id, look) => this.#applyLook(id, look)));
      }
    });
  }

  #applyLook(nodeId: string, look: NodeLook): void {
    const node = this.plugins.editor.getNode(nodeId);
    if (!node) return;
    node.setLook(look);
    void this.plugins.area.update('node', nodeId);
    this.changed();
  }

  setSeedMode(node: LoomNode, name: string, mode: SeedMode): void {
    node.setSeedMode(name, mode);
    void this.plugins.area.update('node', node.id);
    this.changed();
  }

  /** Draws new seeds for every seed widget set to randomize (before a run, so the shown seed is the one used). */
  randomizeSeeds(): void {
    for (const node of this.nodes()) {
      for (const param of node.entry?.params ?? []) {
        if (param.widget === 'seed' && node.seedMode(param.name) === 'randomize') this.setParam(node, param.name, randomSeed(numberSpec(param)));
      }
    }
  }

  async selectOnly(ids: string[]): Promise<void> {
    await this.plugins.selector.unselectAll();
    for (const id of ids) await this.plugins.selectable.select(id, true);
  }

  async selectAll(): Promise<void> {
    await this.selectOnly(this.nodes().map((n) => n.id));
  }

  async undo(): Promise<void> {
    await this.plugins.history.undo();
  }

  async redo(): Promise<void> {
    await this.plugins.history.redo();
  }

  async arrange(): Promise<void> {
    await this.plugins.history.batch(() => this.#layout());
    await this.zoomToFit();
  }

  /** ELK's layered layout, left to right, with room for nodes to grow (results, errors) below. */
  async #layout(): Promise<void> {
    await this.plugins.arrange.layout({
      options: { 'elk.direction': 'RIGHT', 'elk.spacing.nodeNode': '50', 'elk.layered.spacing.nodeNodeBetweenLayers': '70' },
    });
  }

  async zoomToFit(): Promise<void> {
    const nodes = this.nodes();
    if (nodes.length > 0) await AreaExtensions.zoomAt(this.plugins.area, nodes, { scale: 0.85 });
  }

  /** Shows one node's run state. */
  setRun(nodeId: string, run: NodeRun): void {
    const node = this.plugins.editor.getNode(nodeId);
    if (!node) return;
    if (node.run.preview && node.run.preview !== run.preview) URL.revokeObjectURL(node.run.preview);
    node.run = run;
    void this.plugins.area.update('node', nodeId);
  }

  /** Drops every node's live preview (a run ended: its outputs show the real result). */
  clearPreviews(): void {
    for (const node of this.nodes()) {
      if (!node.run.preview) continue;
      const { preview: _dropped, ...rest } = node.run;
      this.setRun(node.id, rest);
    }
  }

  resetRun(): void {
    for (const node of this.nodes())
      if (node.run.status !== 'idle') this.setRun(node.id, { status: 'idle', ...(node.run.preview && { preview: node.run.preview }) });
  }

  /** Marks validation problems on their nodes (and inputs); returns those that name no node here. */
  setProblems(problems: Problem[]): Problem[] {
    const ids = new Set(this.nodes().map((n) => n.id));
    for (const node of this.nodes()) {
      const mine = problems.filter((p) => p.nodeId === node.id);
      if (mine.length === 0 && node.problems.length === 0) continue;
      node.problems = mine;
      void this.plugins.area.update('node', node.id);
    }
    return problems.filter((p) => p.nodeId === undefined || !ids.has(p.nodeId));
  }
}
