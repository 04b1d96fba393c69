/**
 * Far zoom keeps nodes clickable. Below FAR_SCALE nodes are boxes on the LOD canvas, which takes no
 * pointer events, so a press would pan the view. This listener, ahead of the area's own (capture
 * phase), hit-tests the press against the drawn boxes: on a node it does what a press on its DOM view
 * does — Rete's `nodepicked` (selection, with Ctrl/Shift adding to it) — and a drag then moves it
 * (and the rest of the selection, which Rete's selector moves along) as one undo step, ending with
 * `nodedragged`. A press beside every box still pans.
 */
import type { NodeEditor } from 'rete';
import type { AreaPlugin } from 'rete-area-plugin';
import type { AreaExtra } from './area-extra.ts';
import type { GroupedHistory } from './grouped-history.ts';
import { drawnRect } from './lod-canvas.ts';
import type { Schemes } from './loom-node.ts';
import type { ViewCuller } from './view-culler.ts';

/** The topmost node drawn at area point (x, y): the canvas draws in node order, so the last hit. */
export function nodeAt(editor: NodeEditor<Schemes>, area: AreaPlugin<Schemes, AreaExtra>, x: number, y: number): Schemes['Node'] | undefined {
  const nodes = editor.getNodes();
  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i] as Schemes['Node'];
    const p = area.nodeViews.get(node.id)?.position;
    const r = p && drawnRect(node, p);
    if (r && x >= r.left && x <= r.right && y >= r.top && y <= r.bottom) return node;
  }
  return undefined;
}

/** Installs the far-zoom press handler (it goes with the area's container). */
export function enableFarPick(editor: NodeEditor<Schemes>, area: AreaPlugin<Schemes, AreaExtra>, culler: ViewCuller, history: GroupedHistory): void {
  const { container } = area;
  const down = (e: PointerEvent) => {
    if (
      !culler.far ||
      e.button !== 0 ||
      (e.target as Element | null)?.closest('[data-testid="minimap"], [data-testid="context-menu"], .group-title, .group-resize')
    )
      return;
    const box = container.getBoundingClientRect();
    const { x, y, k } = area.area.transform;
    const node = nodeAt(editor, area, (e.clientX - box.left - x) / k, (e.clientY - box.top - y) / k);
    const start = node && area.nodeViews.get(node.id)?.position;
    if (!node || !start) return;
    e.stopPropagation();
    e.preventDefault();
    const id = node.id;
    const from = { ...start };
    history.begin();
    void area.emit({ type: 'nodepicked', data: { id } });
    const move = (m: PointerEvent) => {
      const scale = area.area.transform.k;
      void area.translate(id, { x: from.x + (m.clientX - e.clientX) / scale, y: from.y + (m.clientY - e.clientY) / scale });
    };
    const up = () => {
      window.removeEventListener('pointermove', move);
      window.removeEventListener('pointerup', up);
      void area.emit({ type: 'nodedragged', data: node });
      history.end();
    };
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', up);
  };
  container.addEventListener('pointerdown', down, true);
}
