/**
 * The cheap level of detail: one <canvas> under the area's views that draws every node without a DOM
 * view (all of them when zoomed out past {@link FAR_SCALE}, else only those the culler has not mounted
 * yet) as a box with its colour, state and — while it is still readable — its title, and every link
 * without a DOM view as a curve between the socket rows. It redraws once per frame the culler runs,
 * culled to the viewport, so a 5,000-node graph costs one canvas pass per frame and no DOM.
 *
 * Pan and zoom move what is drawn rather than redraw it: the canvas is drawn {@link OVERSCAN} px
 * beyond each edge of the view, and while only the view changed and the last drawing still covers
 * it, a CSS transform shifts and scales the bitmap (the compositor's work). A zoom redraws crisp once
 * the wheel rests ({@link REST_MS}), or at once when the drawing would be magnified past
 * {@link MAX_STRETCH} or no longer covers the view (during a zoom out, drawn {@link ZOOM_OUT_AHEAD}
 * times wider than the view, so it lasts the next frames; mid-zoom drawings are made at half
 * resolution). A canvas redrawn per frame cost 9–18 ms a frame
 * in the compositor's commit alone (software raster; bench/editor/profile-load.ts), more than the
 * drawing itself.
 *
 * Socket positions are estimates from the row layout of node-view.tsx (outputs, then inputs, then
 * parameters, 26 px rows under a 30 px header): exact enough for a graph seen from far.
 */
import type { NodeEditor } from 'rete';
import type { AreaPlugin } from 'rete-area-plugin';
import type { AreaExtra } from './area-extra.ts';
import { NODE_COLORS, type LoomNode, type Schemes } from './loom-node.ts';
import type { Rect, ViewCuller } from './view-culler.ts';

const HEADER = 30;
const ROW = 26;
/** Titles are drawn at this size on screen (px), and only while that fits in the node's box. */
const TEXT_PX = 11;

/** Margin drawn beyond each edge of the view (CSS px), which a pan uses up before a redraw. */
const OVERSCAN = 256;
/** A zoom shows the last drawing scaled until it rests this long (ms)… */
const REST_MS = 150;
/** …or until it would be magnified more than this. */
const MAX_STRETCH = 2;
/** Resolution of a drawing made mid-zoom (redrawn in full once the wheel rests). */
const GESTURE_RESOLUTION = 0.5;
/** How much wider than the view a drawing made during a zoom out is (so it lasts a few frames). */
const ZOOM_OUT_AHEAD = 1.6;
/** Area signals after which what is drawn may differ (not only where): node states, moves, mounts. */
const CONTENT_SIGNALS = new Set(['render', 'unmount', 'nodetranslated', 'nodecreated', 'noderemoved', 'connectioncreated', 'connectionremoved', 'resized']);

/**
 * Whether an area signal may change what the canvas draws. A render or unmount counts only for a
 * node or link view: other plugins send them for their own elements, and the context menu's hide
 * (an `unmount` of its element) comes with every pointerdown on the canvas, so counting it made the
 * first frame of every pan a full redraw and bitmap commit (the slow first pan frames of the bench).
 */
export function changesDrawing(signal: { type: string; data?: unknown }, isView: (element: unknown) => boolean): boolean {
  if (!CONTENT_SIGNALS.has(signal.type)) return false;
  const data = signal.data as { type?: string; element?: unknown } | undefined;
  if (signal.type === 'render') return data?.type === 'node' || data?.type === 'connection';
  if (signal.type === 'unmount') return isView(data?.element);
  return true;
}

const STATUS_STROKE: Partial<Record<LoomNode['run']['status'], string>> = { running: '#5cc98a', error: '#ff6b6b', done: '#5c8fc9', cached: '#8a94a6' };

function rowY(node: LoomNode, side: 'input' | 'output', key: string): number {
  const outputs = Object.keys(node.outputs);
  if (side === 'output') return HEADER + ROW * Math.max(0, outputs.indexOf(key)) + ROW / 2;
  const input = node.inputs[key];
  return HEADER + ROW * (outputs.length + (input?.index ?? 0)) + ROW / 2;
}

type View = { x: number; y: number; k: number };

/**
 * The CSS transform (origin at the canvas's top-left) that shows a drawing made for view `at` as
 * it belongs in view `now`, for a container of `size`; null when it needs a redraw instead: it
 * would not cover the whole view, or be magnified past {@link MAX_STRETCH}. A point drawn at screen
 * position p (scale k0, translation t0) belongs at (p − t0)·s + t, with s = k / k0; the canvas sits
 * {@link OVERSCAN} px up and left of the container, so its own point q = p + OVERSCAN.
 */
export function movedDrawing(at: View, now: View, size: { width: number; height: number }): string | null {
  const s = now.k / at.k;
  // The drawing's extent and the view's, in area coordinates, along one axis.
  const covers = (t0: number, t: number, length: number) => (-OVERSCAN - t0) / at.k <= -t / now.k && (length + OVERSCAN - t0) / at.k >= (length - t) / now.k;
  if (s > MAX_STRETCH || !covers(at.x, now.x, size.width) || !covers(at.y, now.y, size.height)) return null;
  const shift = (t0: number, t: number) => t - s * (t0 + OVERSCAN) + OVERSCAN;
  return `translate(${shift(at.x, now.x)}px, ${shift(at.y, now.y)}px) scale(${s})`;
}

/** The box the canvas draws for `node` at `p` (a collapsed node is its header only). */
export function drawnRect(node: LoomNode, p: { x: number; y: number }): Rect {
  return { left: p.x, top: p.y, right: p.x + node.width, bottom: p.y + (node.look().collapsed ? HEADER : node.height) };
}

export class LodCanvas {
  readonly canvas = document.createElement('canvas');
  /** The area transform of the last full draw (and whether it was far), and whether the content changed since. */
  #drawn: (View & { far: boolean }) | undefined;
  #stale = true;
  #rest: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly editor: NodeEditor<Schemes>,
    private readonly area: AreaPlugin<Schemes, AreaExtra>,
    private readonly culler: ViewCuller,
    private readonly color: (type: string) => string,
  ) {
    this.canvas.className = 'lod-canvas';
    this.canvas.setAttribute('aria-hidden', 'true');
    this.canvas.style.left = this.canvas.style.top = `${-OVERSCAN}px`;
    area.container.prepend(this.canvas);
    area.addPipe((context) => {
      if (changesDrawing(context, (element) => culler.holdsView(element))) this.#stale = true;
      return context;
    });
    culler.onFrame(() => this.draw());
  }

  /** Redraws, or only moves the last drawing when it still covers the view (see the module note). */
  draw(): void {
    const now = { ...this.area.area.transform };
    const last = this.#drawn;
    const size = this.culler.size;
    clearTimeout(this.#rest);
    const atRest = () => (this.#rest = setTimeout(() => ((this.#stale = true), this.draw()), REST_MS));
    // Crossing FAR_SCALE changes what is drawn (every node, or only those without DOM).
    const same = !this.#stale && last !== undefined && last.far === this.culler.far;
    const moved = same && movedDrawing(last, now, size);
    if (moved) {
      this.canvas.style.transform = moved;
      if (last.k !== now.k) atRest();
      return;
    }
    // A zoom out that outran the last drawing is drawn for a view ZOOM_OUT_AHEAD times wider, shown
    // scaled about the view's centre until the wheel rests: the gesture's next frames only move it.
    const zooming = same && now.k !== last.k;
    const ahead = zooming && now.k < last.k ? ZOOM_OUT_AHEAD : 1;
    const { x, y, k } = { x: size.width / 2 - (size.width / 2 - now.x) / ahead, y: size.height / 2 - (size.height / 2 - now.y) / ahead, k: now.k / ahead };
    this.#stale = false;
    this.#drawn = { x, y, k, far: this.culler.far };
    this.canvas.style.transform = ahead === 1 ? '' : (movedDrawing(this.#drawn, now, size) ?? '');
    // Mid-zoom the drawing is shown only until the wheel rests: a quarter of the pixels to commit.
    if (zooming) atRest();
    const ratio = (window.devicePixelRatio || 1) * (zooming ? GESTURE_RESOLUTION : 1);
    const width = size.width + 2 * OVERSCAN;
    const height = size.height + 2 * OVERSCAN;
    if (this.canvas.width !== Math.round(width * ratio) || this.canvas.height !== Math.round(height * ratio)) {
      this.canvas.width = Math.round(width * ratio);
      this.canvas.height = Math.round(height * ratio);
      this.canvas.style.width = `${width}px`;
      this.canvas.style.height = `${height}px`;
    }
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    ctx.setTransform(ratio * k, 0, 0, ratio * k, ratio * (x + OVERSCAN), ratio * (y + OVERSCAN));
    // What the drawing covers, in area coordinates: its view and the margin around it.
    const view = { left: (-OVERSCAN - x) / k, top: (-OVERSCAN - y) / k, right: (size.width + OVERSCAN - x) / k, bottom: (size.height + OVERSCAN - y) / k };
    const far = this.culler.far;
    const position = (id: string) => this.area.nodeViews.get(id)?.position;

    // Links first, batched by colour (one stroke per colour).
    const paths = new Map<string, Path2D>();
    for (const c of this.editor.getConnections()) {
      if (!far && this.culler.mounted(c.id)) continue;
      const source = this.editor.getNode(c.source);
      const target = this.editor.getNode(c.target);
      const a = position(c.source);
      const b = position(c.target);
      if (!source || !target || !a || !b) continue;
      const x1 = a.x + source.width;
      const y1 = a.y + rowY(source, 'output', c.sourceOutput);
      const x2 = b.x;
      const y2 = b.y + rowY(target, 'input', c.targetInput);
      if (Math.max(x1, x2) < view.left || Math.min(x1, x2) > view.right || Math.max(y1, y2) < view.top || Math.min(y1, y2) > view.bottom) continue;
      const color = this.color(c.portType);
      let path = paths.get(color);
      if (!path) paths.set(color, (path = new Path2D()));
      const bend = Math.max(40, Math.abs(x2 - x1) / 2);
      path.moveTo(x1, y1);
      path.bezierCurveTo(x1 + bend, y1, x2 - bend, y2, x2, y2);
    }
    ctx.lineWidth = Math.max(2, 1.5 / k);
    for (const [color, path] of paths) {
      ctx.strokeStyle = color;
      ctx.stroke(path);
    }

    const text = TEXT_PX / k;
    ctx.font = `600 ${text}px system-ui, sans-serif`;
    ctx.textBaseline = 'middle';
    for (const node of this.editor.getNodes()) {
      if (!far && this.culler.mounted(node.id)) continue;
      const p = position(node.id);
      if (!p || p.x > view.right || p.y > view.bottom || p.x + node.width < view.left || p.y + node.height < view.top) continue;
      const { color } = node.look();
      const palette = color ? NODE_COLORS[color] : undefined;
      const h = drawnRect(node, p).bottom - p.y;
      ctx.globalAlpha = node.mode === 'mute' ? 0.45 : 1;
      ctx.fillStyle = node.mode === 'bypass' ? '#4b2f57' : (palette?.body ?? '#2a2e37');
      ctx.fillRect(p.x, p.y, node.width, h);
      ctx.fillStyle = palette?.header ?? '#353b47';
      ctx.fillRect(p.x, p.y, node.width, HEADER);
      const stroke = node.selected ? '#ffd92c' : node.problems.length > 0 ? '#ff6b6b' : STATUS_STROKE[node.run.status];
      if (stroke) {
        ctx.strokeStyle = stroke;
        ctx.lineWidth = Math.max(3, 2 / k);
        ctx.strokeRect(p.x, p.y, node.width, h);
      }
      // No text below a readable size: a 5,000-node overview is boxes and links only.
      if (text <= h) {
        ctx.fillStyle = '#e6e9ef';
        ctx.fillText(node.title ?? node.type, p.x + 8, p.y + Math.min(h / 2, Math.max(HEADER / 2, text / 2 + 4)), node.width - 16);
      }
    }
    ctx.globalAlpha = 1;
  }
}
