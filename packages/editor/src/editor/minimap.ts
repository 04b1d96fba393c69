/**
 * The minimap, drawn on one canvas from node positions: every node as a box, the viewport as a
 * frame, the whole scaled to fit. It replaces rete-minimap-plugin, whose React preset renders one
 * DOM box per node on every node event: at 1,000 nodes each redraw was a 100 ms task and a thousand
 * more elements to style. Here a redraw is a thousand `fillRect`s in the culler's frame (at most one
 * per frame, and none while a graph is being built). Pressing on the map centres the view there, and
 * dragging keeps it under the pointer.
 */
import type { NodeEditor } from 'rete';
import type { AreaPlugin } from 'rete-area-plugin';
import type { AreaExtra } from './area-extra.ts';
import type { Schemes } from './loom-node.ts';
import type { Rect, ViewCuller } from './view-culler.ts';

const WIDTH = 180;
const HEIGHT = 120;
const PAD = 6;

/** The map's scale and offset: area point p is drawn at (p − origin) · scale + offset. */
export interface MapFit {
  scale: number;
  origin: { x: number; y: number };
  offset: { x: number; y: number };
}

/** Fits `bounds` into a `width` × `height` box with `pad` on each side, centred, keeping proportions. */
export function fitMap(bounds: Rect, width: number, height: number, pad: number): MapFit {
  const w = Math.max(1, bounds.right - bounds.left);
  const h = Math.max(1, bounds.bottom - bounds.top);
  const scale = Math.min((width - 2 * pad) / w, (height - 2 * pad) / h);
  return { scale, origin: { x: bounds.left, y: bounds.top }, offset: { x: (width - w * scale) / 2, y: (height - h * scale) / 2 } };
}

export class Minimap {
  readonly element = document.createElement('div');
  readonly #canvas = document.createElement('canvas');
  #fit: MapFit | undefined;
  /** False while hidden (the M key, or the node search is open); showing it again redraws it. */
  #visible = false;

  constructor(
    private readonly editor: NodeEditor<Schemes>,
    private readonly area: AreaPlugin<Schemes, AreaExtra>,
    private readonly culler: ViewCuller,
  ) {
    this.element.className = 'minimap';
    this.element.dataset.testid = 'minimap';
    this.element.append(this.#canvas);
    area.container.append(this.element);
    culler.onFrame(() => this.draw());
    // The map's own gestures never reach the area (no pan, no box select, no double-click search).
    this.element.addEventListener('pointerdown', (e) => {
      e.stopPropagation();
      e.preventDefault();
      this.element.setPointerCapture(e.pointerId);
      this.#centreAt(e);
    });
    this.element.addEventListener('pointermove', (e) => {
      if (this.element.hasPointerCapture(e.pointerId)) this.#centreAt(e);
    });
    this.element.addEventListener('dblclick', (e) => e.stopPropagation());
    new ResizeObserver(([entry]) => {
      this.#visible = (entry?.contentRect.width ?? 0) > 0;
      this.draw();
    }).observe(this.element);
  }

  /** Centres the view on the area point under the pointer. */
  #centreAt(e: PointerEvent): void {
    const fit = this.#fit;
    if (!fit) return;
    const box = this.#canvas.getBoundingClientRect();
    const x = (e.clientX - box.left - fit.offset.x) / fit.scale + fit.origin.x;
    const y = (e.clientY - box.top - fit.offset.y) / fit.scale + fit.origin.y;
    const { k } = this.area.area.transform;
    const { width, height } = this.culler.size;
    void this.area.area.translate(width / 2 - x * k, height / 2 - y * k);
  }

  draw(): void {
    if (!this.#visible) return;
    const ratio = window.devicePixelRatio || 1;
    if (this.#canvas.width !== WIDTH * ratio) {
      this.#canvas.width = WIDTH * ratio;
      this.#canvas.height = HEIGHT * ratio;
    }
    const ctx = this.#canvas.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, WIDTH, HEIGHT);
    const view = this.culler.viewport(0);
    const bounds = { ...view };
    const boxes: [number, number, number, number][] = [];
    for (const node of this.editor.getNodes()) {
      const p = this.area.nodeViews.get(node.id)?.position;
      if (!p) continue;
      boxes.push([p.x, p.y, node.width, node.height]);
      bounds.left = Math.min(bounds.left, p.x);
      bounds.top = Math.min(bounds.top, p.y);
      bounds.right = Math.max(bounds.right, p.x + node.width);
      bounds.bottom = Math.max(bounds.bottom, p.y + node.height);
    }
    const fit = (this.#fit = fitMap(bounds, WIDTH, HEIGHT, PAD));
    const at = (x: number, y: number): [number, number] => [(x - fit.origin.x) * fit.scale + fit.offset.x, (y - fit.origin.y) * fit.scale + fit.offset.y];
    ctx.fillStyle = '#6e88ff99';
    for (const [x, y, w, h] of boxes) {
      const [left, top] = at(x, y);
      // At least a pixel each, so a 5,000-node map still shows every node.
      ctx.fillRect(left, top, Math.max(1, w * fit.scale), Math.max(1, h * fit.scale));
    }
    const [left, top] = at(view.left, view.top);
    ctx.fillStyle = '#ffd92c22';
    ctx.strokeStyle = '#ffd92c88';
    ctx.fillRect(left, top, (view.right - view.left) * fit.scale, (view.bottom - view.top) * fit.scale);
    ctx.strokeRect(left + 0.5, top + 0.5, (view.right - view.left) * fit.scale - 1, (view.bottom - view.top) * fit.scale - 1);
  }
}
