/**
 * Rubber-band selection: Shift-drag (or Ctrl-drag) on empty canvas draws a box and selects every node
 * it touches, adding to the selection. Plain drags still pan, as Rete's area does by default.
 */
import type { LoomEditor } from './loom-editor.ts';

export function enableBoxSelect(loom: LoomEditor, host: HTMLElement): () => void {
  const { area } = loom.plugins;
  const onDown = (e: PointerEvent) => {
    if (e.button !== 0 || !(e.shiftKey || e.ctrlKey || e.metaKey)) return;
    const target = e.target as Element;
    if (target.closest('[data-node-id], .node-menu, [data-testid="minimap"]')) return;
    // Keep the area from panning: this gesture belongs to the box.
    e.stopPropagation();
    e.preventDefault();
    const bounds = host.getBoundingClientRect();
    const box = document.createElement('div');
    box.className = 'box-select';
    host.appendChild(box);
    const start = { x: e.clientX, y: e.clientY };
    const rect = (x: number, y: number) => ({
      left: Math.min(x, start.x),
      top: Math.min(y, start.y),
      right: Math.max(x, start.x),
      bottom: Math.max(y, start.y),
    });
    const onMove = (m: PointerEvent) => {
      const r = rect(m.clientX, m.clientY);
      Object.assign(box.style, {
        left: `${r.left - bounds.left}px`,
        top: `${r.top - bounds.top}px`,
        width: `${r.right - r.left}px`,
        height: `${r.bottom - r.top}px`,
      });
    };
    const onUp = async (u: PointerEvent) => {
      window.removeEventListener('pointermove', onMove);
      window.removeEventListener('pointerup', onUp);
      box.remove();
      const r = rect(u.clientX, u.clientY);
      if (r.right - r.left < 4 && r.bottom - r.top < 4) return;
      for (const node of loom.nodes()) {
        const el = area.nodeViews.get(node.id)?.element.firstElementChild ?? area.nodeViews.get(node.id)?.element;
        const n = el?.getBoundingClientRect();
        if (n && n.left < r.right && n.right > r.left && n.top < r.bottom && n.bottom > r.top) await loom.plugins.selectable.select(node.id, true);
      }
    };
    window.addEventListener('pointermove', onMove);
    window.addEventListener('pointerup', onUp);
  };
  host.addEventListener('pointerdown', onDown, true);
  return () => host.removeEventListener('pointerdown', onDown, true);
}
