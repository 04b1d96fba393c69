/** The bottom line: server connection, node and selection counts, the last run message. */
import type { ReactNode } from 'react';
import type { AppController } from './app-controller.ts';
import { appState } from './app-state.ts';
import { useStore } from './store.ts';

export function StatusBar({ app }: { app: AppController }): ReactNode {
  const state = useStore(appState);
  const run = useStore(app.runs.state);
  return (
    <footer className="status-bar">
      <span className={run.connected ? 'online' : 'offline'} data-testid="server-connection">
        {run.connected ? '● connected' : '○ reconnecting…'}
      </span>
      <span>
        {state.nodeCount} node{state.nodeCount === 1 ? '' : 's'}
        {state.selectedCount > 0 && `, ${state.selectedCount} selected`}
      </span>
      <span className="grow" />
      <span>Press ? for shortcuts</span>
    </footer>
  );
}
