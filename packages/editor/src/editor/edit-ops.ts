/**
 * Selection edits: delete, copy, paste and duplicate. A copied selection is a graph fragment (the
 * native format, links inside the selection only), kept in localStorage so it pastes across tabs; a
 * paste gets fresh ids, lands at the pointer keeping its layout, and is selected.
 */
import type { Graph } from '../api/types.ts';
import type { LoomEditor } from './loom-editor.ts';
import { fromGraph, nodeInstance } from './serialize.ts';

const CLIPBOARD_KEY = 'loom.clipboard';

/** Removes the selected nodes and their links as one undo step. Returns how many nodes went. */
export async function deleteSelected(loom: LoomEditor): Promise<number> {
  const { editor, history } = loom.plugins;
  const doomed = loom.selected();
  await history.batch(async () => {
    for (const node of doomed) {
      for (const c of editor.getConnections()) if (c.source === node.id || c.target === node.id) await editor.removeConnection(c.id);
      await editor.removeNode(node.id);
    }
  });
  return doomed.length;
}

/** The selection as a graph fragment, or null when nothing is selected. */
function selectionFragment(loom: LoomEditor): Graph | null {
  const chosen = loom.selected();
  if (chosen.length === 0) return null;
  const ids = new Set(chosen.map((n) => n.id));
  const inside = loom.plugins.editor.getConnections().filter((c) => ids.has(c.source) && ids.has(c.target));
  const nodes: Graph['nodes'] = {};
  for (const node of chosen) nodes[node.id] = nodeInstance(node, inside, loom.plugins.area.nodeViews.get(node.id)?.position);
  return { version: 1, nodes };
}

export function copySelected(loom: LoomEditor): number {
  const fragment = selectionFragment(loom);
  if (!fragment) return 0;
  const text = JSON.stringify(fragment);
  localStorage.setItem(CLIPBOARD_KEY, text);
  // Also offer it to other applications; refusals (no permission) are harmless.
  void navigator.clipboard?.writeText(text).catch(() => undefined);
  return Object.keys(fragment.nodes).length;
}

export function clipboardFragment(): Graph | null {
  try {
    const value = JSON.parse(localStorage.getItem(CLIPBOARD_KEY) ?? 'null') as Graph | null;
    return value && value.version === 1 && typeof value.nodes === 'object' ? value : null;
  } catch {
    return null;
  }
}

/**
 * Pastes a fragment with its top-left node at `at` (area coordinates), or offset from where it was
 * copied. Returns the new node ids.
 */
export async function pasteFragment(loom: LoomEditor, fragment: Graph, at?: { x: number; y: number }): Promise<string[]> {
  const reserved = new Set<string>();
  const rename = new Map<string, string>();
  for (const [id, node] of Object.entries(fragment.nodes)) {
    const fresh = loom.freshId(node.type, reserved);
    reserved.add(fresh);
    rename.set(id, fresh);
  }
  const placed = await fromGraph(fragment, loom.catalog, { rename: (id) => rename.get(id) ?? id, dropOutside: true });
  const positions = placed.nodes.flatMap((n) => (n.position ? [n.position] : []));
  const minX = Math.min(...positions.map((p) => p[0]), Infinity);
  const minY = Math.min(...positions.map((p) => p[1]), Infinity);
  const origin = at && Number.isFinite(minX) ? { x: at.x - minX, y: at.y - minY } : { x: 40, y: 40 };
  await loom.plugins.history.batch(() => loom.place(placed, origin));
  const ids = placed.nodes.map((n) => n.node.id);
  await loom.selectOnly(ids);
  return ids;
}

export async function duplicateSelected(loom: LoomEditor): Promise<string[]> {
  const fragment = selectionFragment(loom);
  return fragment ? pasteFragment(loom, fragment) : [];
}
