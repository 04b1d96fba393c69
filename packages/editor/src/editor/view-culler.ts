/**
 * Render cost follows what is on screen, not the node count. Rete mounts a React root per node and
 * per link as soon as it is created (rete-react-plugin's `mount` with `flushSync`): a 1,000-node
 * graph meant 2,000 synchronous React renders in one task and ~50k DOM elements. This pipe sits on
 * the area in front of the React plugin and lets a node's `render` through only while the node is
 * near the viewport; a link is mounted only while both its ends are (the LOD canvas draws the
 * others). Nodes that drift far away are unmounted again, a few per frame, so panning across a big
 * graph keeps the DOM bounded. Below {@link FAR_SCALE} no node is shown as DOM at all (the canvas
 * draws them), so zooming out to fit 5,000 nodes costs one canvas draw per frame.
 *
 * Rete has no API for this: the React plugin renders whatever `render` signal reaches it, so the
 * culler blocks the signal and re-emits it (with the data it kept) when the node comes into view.
 */
import type { NodeEditor } from 'rete';
import type { AreaPlugin } from 'rete-area-plugin';
import type { AreaExtra } from './area-extra.ts';
import type { Schemes } from './loom-node.ts';

/** Zoom below which nodes are drawn on the canvas only (no widget is usable that small). */
export const FAR_SCALE = 0.25;
/** Time for mounts per frame (ms): each is a synchronous React render, so a burst is spread over frames. */
const MOUNT_BUDGET_MS = 10;
const UNMOUNTS_PER_FRAME = 120;

/** An axis-aligned box in area coordinates. */
export interface Rect {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** Where a node is on the canvas, or undefined before it is placed. */
export function nodeRect(
  area: { nodeViews: Map<string, { position: { x: number; y: number } }> },
  node: { id: string; width: number; height: number },
): Rect | undefined {
  const p = area.nodeViews.get(node.id)?.position;
  return p && { left: p.x, top: p.y, right: p.x + node.width, bottom: p.y + node.height };
}

type RenderData = { element: HTMLElement; type: 'node' | 'connection'; payload: { id: string } };
type Signal = { type: string; data?: unknown };

export class ViewCuller {
  /** The last render data of every node and link, by id (re-emitted when it comes into view). */
  readonly #renders = new Map<string, RenderData>();
  readonly #mounted = new Set<string>();
  readonly #byElement = new WeakMap<HTMLElement, string>();
  #frame: number | undefined;
  /** Whether the next frame re-checks the mounts (else it only tells the listeners, e.g. a re-render). */
  #dirty = false;
  #busy = false;
  /** Views the culler itself is re-emitting a render for, which its own pipe lets through untouched. */
  readonly #mounting = new Set<string>();
  /** The container's size, kept by a ResizeObserver: reading clientWidth per frame forces a layout. */
  #size = { width: 0, height: 0 };
  #suspended = 0;
  #far = false;
  readonly #listeners = new Set<() => void>();

  constructor(
    private readonly editor: NodeEditor<Schemes>,
    private readonly area: AreaPlugin<Schemes, AreaExtra>,
  ) {
    area.addPipe((context) => this.#pipe(context as Signal) as typeof context);
    // Marks the layer of Rete's view containers, which styles.css hides from far.
    area.area.content.holder.classList.add('lod-views');
    this.#size = { width: area.container.clientWidth, height: area.container.clientHeight };
    new ResizeObserver(([entry]) => {
      if (entry) this.#size = { width: entry.contentRect.width, height: entry.contentRect.height };
      this.schedule();
    }).observe(area.container);
  }

  /** The container's size in CSS pixels (as of the last layout). */
  get size(): { width: number; height: number } {
    return this.#size;
  }

  /** Whether nodes are drawn far (canvas only). */
  get far(): boolean {
    return this.#far;
  }

  /** Whether the node or link `id` has a DOM view now. */
  mounted(id: string): boolean {
    return this.#mounted.has(id);
  }

  /** Whether `element` is the container of a node or link view (not of a menu or a socket). */
  holdsView(element: unknown): boolean {
    return element instanceof HTMLElement && this.#byElement.has(element);
  }

  /** Called once per frame after the views changed (mounts, view moves, node moves). */
  onFrame(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Holds every mount until {@link resume} (a graph is being loaded: one pass at the end). */
  suspend(): void {
    // Hidden while it is built, the content layer costs no style or layout work per frame.
    if (this.#suspended++ === 0) this.area.area.content.holder.style.display = 'none';
  }

  resume(): void {
    if (--this.#suspended === 0) this.area.area.content.holder.style.display = '';
    this.schedule();
  }

  /** Re-checks what should be mounted on the next frame (coalesced). */
  schedule(): void {
    this.#dirty = true;
    this.#request();
  }

  /** One frame callback for everything asked before it: mounts if dirty, then the listeners once. */
  #request(): void {
    if (this.#frame !== undefined || this.#suspended > 0) return;
    this.#frame = requestAnimationFrame(() => {
      this.#frame = undefined;
      // A pass still mounting (its renders are awaited) finishes first; this frame's checks wait for the next.
      if (this.#dirty && this.#busy) return this.#request();
      if (this.#dirty) {
        this.#dirty = false;
        this.#busy = true;
        void this.#update().finally(() => {
          this.#busy = false;
          this.#notify();
        });
      } else this.#notify();
    });
  }

  #pipe(context: Signal): Signal | undefined {
    switch (context.type) {
      case 'render': {
        const data = context.data as RenderData;
        if (data.type !== 'node' && data.type !== 'connection') return context;
        const id = data.payload.id;
        if (this.#mounting.delete(id)) return context;
        // The link being dragged (a pseudo-connection, not in the editor) always shows.
        if (data.type === 'connection' && !this.editor.getConnection(id)) return context;
        this.#renders.set(id, data);
        this.#byElement.set(data.element, id);
        if (this.#mounted.has(id)) {
          // A mounted node re-rendered (run state, value): the canvas shows the same state far out,
          // redrawn once in the next frame however many nodes changed.
          this.#request();
          return context;
        }
        this.schedule();
        return undefined;
      }
      case 'unmount': {
        const id = this.#byElement.get((context.data as { element: HTMLElement }).element);
        if (id !== undefined) this.#mounted.delete(id);
        return context;
      }
      case 'noderemoved':
      case 'connectionremoved':
        this.#renders.delete((context.data as { id: string }).id);
        this.schedule();
        return context;
      case 'zoomed':
      case 'translated':
      case 'nodetranslated':
      case 'resized':
        this.schedule();
        return context;
      default:
        return context;
    }
  }

  /** The viewport in area coordinates, grown by `margin` viewports on each side. */
  viewport(margin: number): Rect {
    const { x, y, k } = this.area.area.transform;
    const width = this.#size.width / k;
    const height = this.#size.height / k;
    const left = -x / k;
    const top = -y / k;
    return { left: left - margin * width, top: top - margin * height, right: left + (1 + margin) * width, bottom: top + (1 + margin) * height };
  }

  /**
   * Mounts what came near the viewport and unmounts what went far, under a time budget per frame.
   * Each mount is awaited: Rete's render signal reaches React's synchronous mount through async
   * pipes, so only after the await is the time it took on the clock.
   */
  async #update(): Promise<void> {
    this.#far = this.area.area.transform.k < FAR_SCALE;
    this.area.container.classList.toggle('lod-far', this.#far);
    const near = this.viewport(0.5);
    const keep = this.viewport(1.5);
    const hits = (r: Rect | undefined, v: Rect) => r !== undefined && r.left < v.right && r.right > v.left && r.top < v.bottom && r.bottom > v.top;
    const enter: string[] = [];
    const drop = new Set<string>();
    let more = false;
    // Far out, mounted nodes stay mounted but hidden (CSS), so zooming back in is instant.
    for (const node of this.editor.getNodes()) {
      const rect = nodeRect(this.area, node);
      if (!this.#mounted.has(node.id)) {
        if (!this.#far && hits(rect, near)) enter.push(node.id);
      } else if (!hits(rect, keep)) {
        if (drop.size >= UNMOUNTS_PER_FRAME) more = true;
        else drop.add(node.id);
      }
    }
    const started = performance.now();
    for (const id of enter) {
      if (performance.now() - started > MOUNT_BUDGET_MS) {
        more = true;
        break;
      }
      await this.#mount(id);
    }
    for (const c of this.editor.getConnections()) {
      const mounted = this.#mounted.has(c.id);
      const ends = this.#mounted.has(c.source) && this.#mounted.has(c.target) && !drop.has(c.source) && !drop.has(c.target);
      if (ends && !mounted) await this.#mount(c.id);
      if (!ends && mounted) this.#unmount(c.id);
    }
    for (const id of drop) this.#unmount(id);
    if (more) this.schedule();
  }

  async #mount(id: string): Promise<void> {
    const data = this.#renders.get(id);
    if (!data) return;
    this.#mounted.add(id);
    this.#mounting.add(id);
    await this.area.emit({ type: 'render', data } as Parameters<typeof this.area.emit>[0]);
    this.#mounting.delete(id);
  }

  /** Unmounts a view; its render data stays, so it can come back. */
  #unmount(id: string): void {
    const data = this.#renders.get(id);
    this.#mounted.delete(id);
    if (data) void this.area.emit({ type: 'unmount', data: { element: data.element } });
  }

  #notify(): void {
    for (const listener of this.#listeners) listener();
  }
}
