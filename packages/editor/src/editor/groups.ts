/**
 * Groups as ComfyUI saves them (its UI workflow's `groups`: `title`, `bounding` [x, y, w, h],
 * `color`): titled boxes on the canvas that carry the nodes inside them when dragged. A graph
 * document keeps them in `meta.groups`, where the engine's UI-workflow importer puts a ComfyUI file's
 * groups and its exporter reads them back (packages/engine/src/comfy-workflow*.ts), so a group drawn
 * here, saved, exported to ComfyUI and imported again is the same box.
 */
import type { Rect } from './view-culler.ts';

export interface CanvasGroup {
  title: string;
  /** [x, y, width, height] in canvas coordinates, the title bar included. */
  bounding: [number, number, number, number];
  color?: string;
}

/** ComfyUI's default group colour (LGraphCanvas.node_colors.pale_blue.groupcolor). */
export const DEFAULT_GROUP_COLOR = '#3f789e';
/** Height of the title bar, and the room left around grouped nodes. */
export const GROUP_TITLE = 34;
const PADDING = 12;

/** The groups in a graph's `meta.groups`; entries that are not groups are dropped (and named). */
export function readGroups(value: unknown): { groups: CanvasGroup[]; dropped: number } {
  if (!Array.isArray(value)) return { groups: [], dropped: value === undefined ? 0 : 1 };
  const groups: CanvasGroup[] = [];
  for (const item of value) {
    const g = item as { title?: unknown; bounding?: unknown; color?: unknown } | null;
    const b = g?.bounding;
    if (!Array.isArray(b) || b.length !== 4 || !b.every((n) => typeof n === 'number' && Number.isFinite(n)) || b[2] <= 0 || b[3] <= 0) continue;
    groups.push({
      title: typeof g?.title === 'string' ? g.title : 'Group',
      bounding: [b[0], b[1], b[2], b[3]],
      ...(typeof g?.color === 'string' && { color: g.color }),
    });
  }
  return { groups, dropped: value.length - groups.length };
}

/** A group just big enough for `rects`, with room for its title above them. */
export function groupAround(rects: Rect[], title = 'Group'): CanvasGroup {
  if (rects.length === 0) throw new Error('A group needs at least one node to surround.');
  const left = Math.min(...rects.map((r) => r.left)) - PADDING;
  const top = Math.min(...rects.map((r) => r.top)) - PADDING - GROUP_TITLE;
  const right = Math.max(...rects.map((r) => r.right)) + PADDING;
  const bottom = Math.max(...rects.map((r) => r.bottom)) + PADDING;
  return { title, bounding: [Math.round(left), Math.round(top), Math.round(right - left), Math.round(bottom - top)] };
}

/** Whether a node belongs to the group: its centre lies inside the box (so a node overhanging the edge still goes along). */
export function holds(group: CanvasGroup, rect: Rect): boolean {
  const [x, y, w, h] = group.bounding;
  const cx = (rect.left + rect.right) / 2;
  const cy = (rect.top + rect.bottom) / 2;
  return cx >= x && cx <= x + w && cy >= y && cy <= y + h;
}
