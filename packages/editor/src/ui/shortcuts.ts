/**
 * Keyboard shortcuts. While typing in a field only the global ones (queue, save) act, so text edits
 * keep their own Ctrl+Z, Ctrl+C and Delete.
 */
import type { AppController } from './app-controller.ts';
import { appState } from './app-state.ts';

export interface Shortcut {
  keys: string;
  what: string;
  /** Acts even while a text field has focus. */
  global?: boolean;
  match(e: KeyboardEvent): boolean;
  run(app: AppController, pointer: { x: number; y: number }): unknown;
}

const ctrl = (e: KeyboardEvent) => e.ctrlKey || e.metaKey;
const key =
  (k: string, withCtrl: boolean, shift = false) =>
  (e: KeyboardEvent) =>
    e.key.toLowerCase() === k && ctrl(e) === withCtrl && e.shiftKey === shift && !e.altKey;

export const SHORTCUTS: Shortcut[] = [
  { keys: 'Ctrl+Enter', what: 'Queue the graph', global: true, match: key('enter', true), run: (a) => a.queue() },
  { keys: 'Ctrl+.', what: 'Cancel the running prompt', global: true, match: key('.', true), run: (a) => a.cancel() },
  { keys: 'Ctrl+S', what: 'Save', global: true, match: key('s', true), run: (a) => a.save() },
  { keys: 'Ctrl+Shift+S', what: 'Save as…', global: true, match: key('s', true, true), run: () => appState.set({ dialog: { kind: 'save-as' } }) },
  { keys: 'Ctrl+O', what: 'Open a template', global: true, match: key('o', true), run: () => appState.set({ dialog: { kind: 'open', templates: null } }) },
  { keys: 'Ctrl+Z', what: 'Undo', match: key('z', true), run: (a) => a.loom.undo() },
  { keys: 'Ctrl+Shift+Z / Ctrl+Y', what: 'Redo', match: (e) => key('z', true, true)(e) || key('y', true)(e), run: (a) => a.loom.redo() },
  { keys: 'Ctrl+C', what: 'Copy selected nodes', match: key('c', true), run: (a) => a.copy() },
  { keys: 'Ctrl+X', what: 'Cut selected nodes', match: key('x', true), run: (a) => a.cut() },
  { keys: 'Ctrl+V', what: 'Paste at the pointer', match: key('v', true), run: (a) => a.paste() },
  { keys: 'Ctrl+D', what: 'Duplicate selected nodes', match: key('d', true), run: (a) => a.duplicate() },
  { keys: 'Ctrl+A', what: 'Select all nodes', match: key('a', true), run: (a) => a.loom.selectAll() },
  {
    keys: 'Ctrl+B',
    what: 'Bypass the selected nodes (they pass their input through) or undo it',
    match: key('b', true),
    run: (a) => a.loom.toggleMode(a.loom.selected(), 'bypass'),
  },
  {
    keys: 'Ctrl+M',
    what: 'Mute the selected nodes (they and what depends only on them are skipped) or undo it',
    match: key('m', true),
    run: (a) => a.loom.toggleMode(a.loom.selected(), 'mute'),
  },
  {
    keys: 'Ctrl+G',
    what: 'Group the selected nodes (drag the title to move the group with its nodes; double-click it to rename)',
    match: key('g', true),
    run: (a) => a.loom.groupSelected(),
  },
  {
    keys: 'Delete / Backspace',
    what: 'Delete selected nodes',
    match: (e) => (e.key === 'Delete' || e.key === 'Backspace') && !ctrl(e),
    run: (a) => a.deleteSelection(),
  },
  {
    keys: 'Space / Tab',
    what: 'Add a node (search) at the pointer',
    match: (e) => (e.key === ' ' || e.key === 'Tab') && !ctrl(e) && !e.shiftKey && (e.target as HTMLElement | null)?.tagName === 'BODY',
    run: (a, p) => a.instance.openAddMenu(p.x, p.y),
  },
  { keys: 'F', what: 'Zoom to fit', match: key('f', false), run: (a) => a.loom.zoomToFit() },
  { keys: 'L', what: 'Auto-arrange', match: key('l', false), run: (a) => a.loom.arrange() },
  { keys: 'M', what: 'Show or hide the minimap', match: key('m', false), run: () => appState.set((s) => ({ minimap: !s.minimap })) },
  { keys: '?', what: 'This list', match: (e) => e.key === '?', run: () => appState.set({ dialog: { kind: 'help' } }) },
  { keys: 'Shift/Ctrl+drag', what: 'Select nodes in a box (Ctrl/Shift+click adds one)', match: () => false, run: () => undefined },
  {
    keys: 'Right-click, double-click',
    what: 'Node search on the canvas (ComfyUI names work too); right-click a node for its actions',
    match: () => false,
    run: () => undefined,
  },
];

function typing(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el || !el.tagName) return false;
  return (
    el.isContentEditable ||
    el.tagName === 'TEXTAREA' ||
    el.tagName === 'SELECT' ||
    (el.tagName === 'INPUT' && !['checkbox', 'radio', 'range', 'button'].includes((el as HTMLInputElement).type))
  );
}

/** Installs the handler; returns its removal. `pointer` is the last pointer position over the canvas. */
export function installShortcuts(app: AppController, pointer: { x: number; y: number }): () => void {
  const onKey = (e: KeyboardEvent) => {
    if (appState.get().dialog.kind !== 'none') return;
    const inField = typing(e.target);
    const shortcut = SHORTCUTS.find((s) => s.match(e));
    if (!shortcut || (inField && !shortcut.global)) return;
    e.preventDefault();
    void shortcut.run(app, pointer);
  };
  window.addEventListener('keydown', onKey);
  return () => window.removeEventListener('keydown', onKey);
}
