/**
 * The cheap level of detail: one <canvas> under the area's views that draws every node without a DOM
 * view (all of them when zoomed out past {@link FAR_SCALE}, else only those the culler has not mounted
 * yet) as a box with its colour, state and — while it is still readable — its title, and every link
 * without a DOM view as a curve between the socket rows. It redraws once per frame the culler runs,
 * culled to the viewport, so a 5,000-node graph costs one canvas pass per frame and no DOM.
 *
 * A pan only moves what is drawn: the canvas is drawn {@link OVERSCAN} px beyond each edge of the
 * view, and while nothing but the translation changed and the pan stays within that margin, a CSS
 * transform shifts the bitmap (the compositor's work) instead of a redraw. A full-view canvas redrawn
 * per pan frame cost about 9 ms a frame in the compositor commit (software raster, measured with
 * bench/editor/profile-load.ts), more than the drawing itself.
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
/** Area signals after which what is drawn may differ (not only where): node states, moves, mounts. */
const CONTENT_SIGNALS = new Set(['render', 'unmount', 'nodetranslated', 'nodecreated', 'noderemoved', 'connectioncreated', 'connectionremoved', 'zoomed', 'resized']);

const STATUS_STROKE: Partial<Record<LoomNode['run']['status'], string>> = { running: '#5cc98a', error: '#ff6b6b', done: '#5c8fc9', cached: '#8a94a6' };

function rowY(node: LoomNode, side: 'input' | 'output', key: string): number {
  const outputs = Object.keys(node.outputs);
  if (side === 'output') return HEADER + ROW * Math.max(0, outputs.indexOf(key)) + ROW / 2;
  const input = node.inputs[key];
  return HEADER + ROW * (outputs.length + (input?.index ?? 0)) + ROW / 2;
}

/** The box the canvas draws for `node` at `p` (a collapsed node is its header only). */
export function drawnRect(node: LoomNode, p: { x: number; y: number }): Rect {
  return { left: p.x, top: p.y, right: p.x + node.width, bottom: p.y + (node.look().collapsed ? HEADER : node.height) };
}

export class LodCanvas {
  readonly canvas = document.createElement('canvas');
  /** The area transform of the last full draw, and whether the content changed since. */
  #drawn: { x: number; y: number; k: number } | undefined;
  #stale = true;

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
      if (CONTENT_SIGNALS.has(context.type)) this.#stale = true;
      return context;
    });
    culler.onFrame(() => this.draw());
  }

  /** Redraws, or only shifts the last drawing when the view has just been panned a little. */
  draw(): void {
    const { x, y, k } = this.area.area.transform;
    const last = this.#drawn;
    if (!this.#stale && last && last.k === k && Math.abs(x - last.x) < OVERSCAN && Math.abs(y - last.y) < OVERSCAN) {
      this.canvas.style.transform = `translate(${x - last.x}px, ${y - last.y}px)`;
      return;
    }
    this.#stale = false;
    this.#drawn = { x, y, k };
    this.canvas.style.transform = '';
    const ratio = window.devicePixelRatio || 1;
    const width = this.culler.size.width + 2 * OVERSCAN;
    const height = this.culler.size.height + 2 * OVERSCAN;
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
    const seen = this.culler.viewport(0);
    const margin = OVERSCAN / k;
    const view = { left: seen.left - margin, top: seen.top - margin, right: seen.right + margin, bottom: seen.bottom + margin };
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
