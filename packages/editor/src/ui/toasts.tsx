/** Transient messages over the canvas (refused links, saves, load notes, errors). */
import type { ReactNode } from 'react';
import { appState } from './app-state.ts';
import { useStore } from './store.ts';

export function Toasts(): ReactNode {
  const { toasts } = useStore(appState);
  return (
    <div className="toasts" role="status" aria-live="polite">
      {toasts.map((t) => (
        <div
          key={t.id}
          className={`toast ${t.kind}`}
          data-testid="toast"
          onClick={() => appState.set((s) => ({ toasts: s.toasts.filter((x) => x.id !== t.id) }))}
        >
          {t.text}
        </div>
      ))}
    </div>
  );
}
