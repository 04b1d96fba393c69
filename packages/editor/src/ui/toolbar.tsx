/** The top bar: document commands, edit and view commands, the document name with its unsaved mark, and Queue/Cancel. */
import type { ReactNode } from 'react';
import type { AppController } from './app-controller.ts';
import { appState } from './app-state.ts';
import { useStore } from './store.ts';

function Button({
  label,
  title,
  onClick,
  testId,
  disabled,
  primary,
}: {
  label: string;
  title: string;
  onClick(): unknown;
  testId: string;
  disabled?: boolean;
  primary?: boolean;
}): ReactNode {
  return (
    <button className={primary ? 'primary' : ''} title={title} data-testid={testId} disabled={disabled} onClick={() => void onClick()}>
      {label}
    </button>
  );
}

export function Toolbar({ app, onImport }: { app: AppController; onImport(): void }): ReactNode {
  const state = useStore(appState);
  const run = useStore(app.runs.state);
  const busy = run.phase === 'queued' || run.phase === 'running' || run.phase === 'validating';
  return (
    <header className="toolbar">
      <span className="brand">Loom</span>
      <nav className="group">
        <Button label="New" title="Start an empty graph" testId="cmd-new" onClick={() => app.newGraph()} />
        <Button
          label="Open"
          title="Open a template from graphs/ (Ctrl+O)"
          testId="cmd-open"
          onClick={() => appState.set({ dialog: { kind: 'open', templates: null } })}
        />
        <Button label="Save" title="Save to graphs/ (Ctrl+S)" testId="cmd-save" onClick={() => app.save()} />
        <Button
          label="Save as"
          title="Save under a new name (Ctrl+Shift+S)"
          testId="cmd-save-as"
          onClick={() => appState.set({ dialog: { kind: 'save-as' } })}
        />
        <Button label="Import" title="Load a graph JSON, a ComfyUI API JSON or a Loom PNG" testId="cmd-import" onClick={onImport} />
        <Button label="Export" title="Download the graph as JSON" testId="cmd-export" onClick={() => app.exportJson()} />
      </nav>
      <nav className="group">
        <Button label="↶" title="Undo (Ctrl+Z)" testId="cmd-undo" onClick={() => app.loom.undo()} />
        <Button label="↷" title="Redo (Ctrl+Shift+Z)" testId="cmd-redo" onClick={() => app.loom.redo()} />
        <Button label="Arrange" title="Auto-arrange the graph (L)" testId="cmd-arrange" onClick={() => app.loom.arrange()} />
        <Button label="Fit" title="Zoom to fit (F)" testId="cmd-fit" onClick={() => app.loom.zoomToFit()} />
        <Button label="Map" title="Show or hide the minimap (M)" testId="cmd-minimap" onClick={() => appState.set((s) => ({ minimap: !s.minimap }))} />
        <Button label="?" title="Keyboard shortcuts (?)" testId="cmd-help" onClick={() => appState.set({ dialog: { kind: 'help' } })} />
      </nav>
      <span className="doc-name" data-testid="doc-name" title={state.templateName ? `graphs/${state.templateName}.json` : 'Not saved as a template yet'}>
        {state.dirty && (
          <span className="dirty" data-testid="unsaved" title="Unsaved changes">
            ●
          </span>
        )}
        {state.documentName}
      </span>
      <nav className="group run">
        <Button label="▶ Queue" title="Validate and run the graph (Ctrl+Enter)" testId="cmd-queue" primary onClick={() => app.queue()} />
        <Button label="■ Cancel" title="Cancel the current prompt (Ctrl+.)" testId="cmd-cancel" disabled={!busy} onClick={() => app.cancel()} />
      </nav>
    </header>
  );
}
