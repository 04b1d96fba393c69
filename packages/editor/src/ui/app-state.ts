/** App-level state shared by the toolbar, panels and dialogs. */
import type { TemplateSummary } from '../api/types.ts';
import { createStore } from './store.ts';

export interface Toast {
  id: number;
  kind: 'info' | 'error';
  text: string;
}

export type Dialog =
  | { kind: 'none' }
  | { kind: 'open'; templates: TemplateSummary[] | null }
  | { kind: 'save-as' }
  | { kind: 'help' }
  | { kind: 'image'; url: string }
  | { kind: 'rename'; nodeId: string; title: string }
  | { kind: 'confirm'; text: string; resolve(ok: boolean): void };

export interface AppState {
  /** Template name (graphs/<name>.json) the document is saved as, if any. */
  templateName: string | null;
  /** Shown in the title bar: template name or imported file name. */
  documentName: string;
  dirty: boolean;
  toasts: Toast[];
  dialog: Dialog;
  nodeCount: number;
  selectedCount: number;
  minimap: boolean;
}

export const appState = createStore<AppState>({
  templateName: null,
  documentName: 'Untitled',
  dirty: false,
  toasts: [],
  dialog: { kind: 'none' },
  nodeCount: 0,
  selectedCount: 0,
  minimap: true,
});

let nextToast = 1;

/** Shows a message for a few seconds (errors stay longer). */
export function toast(text: string, kind: Toast['kind'] = 'info'): void {
  const id = nextToast++;
  appState.set((s) => ({ toasts: [...s.toasts.slice(-3), { id, kind, text }] }));
  setTimeout(() => appState.set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) })), kind === 'error' ? 9000 : 4500);
}

/** Asks a yes/no question in the app (no native dialog, which would block the page). */
export function confirmInApp(text: string): Promise<boolean> {
  return new Promise((resolve) => appState.set({ dialog: { kind: 'confirm', text, resolve } }));
}

/** Closes the open dialog; a closed confirmation counts as "no". */
export function closeDialog(): void {
  const open = appState.get().dialog;
  appState.set({ dialog: { kind: 'none' } });
  if (open.kind === 'confirm') open.resolve(false);
}
