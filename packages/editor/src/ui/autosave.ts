/**
 * Autosave: the open graph, its template name and unsaved state are kept in localStorage after
 * every edit, so a reload (or a crashed tab) comes back to the same graph. A first visit, with
 * nothing saved, opens {@link DEFAULT_TEMPLATE} instead of an empty canvas.
 */
import type { Graph } from '../api/types.ts';

const KEY = 'loom.editor.session';

/** The template a first visit opens: the embedded model's txt2img, which runs on a fresh clone. */
export const DEFAULT_TEMPLATE = 'loom-tiny-txt2img';

export interface EditorSession {
  graph: Graph;
  templateName: string | null;
  documentName: string;
  dirty: boolean;
}

/**
 * Stores the session. The graph comes as the JSON text the editor already made (to compare it with
 * the saved file), so a big graph is neither parsed nor stringified again here.
 */
export function saveSession(graphJson: string, session: Omit<EditorSession, 'graph'>): void {
  try {
    localStorage.setItem(KEY, `{"graph":${graphJson},${JSON.stringify(session).slice(1)}`);
  } catch {
    // Storage full or disabled (private mode): the editor works on, without autosave.
  }
}

/** The last session, or null on a first visit (or if what was stored is not a session). */
export function restoreSession(): EditorSession | null {
  try {
    const value = JSON.parse(localStorage.getItem(KEY) ?? 'null') as Partial<EditorSession> | null;
    if (!value || typeof value.graph !== 'object' || value.graph === null || typeof value.documentName !== 'string') return null;
    return { graph: value.graph, templateName: value.templateName ?? null, documentName: value.documentName, dirty: value.dirty === true };
  } catch {
    return null;
  }
}
