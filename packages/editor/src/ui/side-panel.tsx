/**
 * The right panel: the current run (phase, message, graph-level problems), the queue, and the output
 * gallery with history (each entry reopens its graph with its outputs).
 */
import type { ReactNode } from 'react';
import { imageUrl } from '../api/client.ts';
import type { HistoryItem } from '../api/types.ts';
import { uiImages } from '../run/run-events.ts';
import type { AppController } from './app-controller.ts';
import { appState } from './app-state.ts';
import { QueuePanel } from './queue-panel.tsx';
import { useStore } from './store.ts';

const PHASES: Record<string, string> = {
  idle: 'Ready',
  validating: 'Checking',
  queued: 'Queued',
  running: 'Running',
  success: 'Done',
  error: 'Error',
  interrupted: 'Cancelled',
};

function HistoryCard({ item, onOpen }: { item: HistoryItem; onOpen(): void }): ReactNode {
  const images = Object.values(item.outputs).flatMap((ui) => uiImages(ui));
  const when = new Date(item.finishedAt).toLocaleTimeString();
  const seconds = item.startedAt ? ((item.finishedAt - item.startedAt) / 1000).toFixed(1) : undefined;
  return (
    <li
      className={`history-item ${item.outcome}`}
      data-testid="history-item"
      title={item.error?.message ?? `${item.executed.length} ran, ${item.cached.length} cached`}
    >
      <div className="history-images">
        {images.map((ref) => {
          const url = imageUrl(ref);
          return (
            <img
              key={url}
              src={url}
              alt={ref.filename}
              data-testid="gallery-image"
              loading="lazy"
              onClick={() => appState.set({ dialog: { kind: 'image', url } })}
            />
          );
        })}
        {images.length === 0 && <span className="no-image">{item.outcome === 'success' ? 'no images' : item.outcome}</span>}
      </div>
      <div className="history-caption">
        <span className={`outcome ${item.outcome}`}>{item.outcome === 'success' ? '✓' : item.outcome === 'interrupted' ? '■' : '✕'}</span>
        {when}
        {seconds && ` · ${seconds} s`}
        <button className="small open-job" title="Open this job's graph with its outputs" data-testid="history-open" onClick={onOpen}>
          Open
        </button>
      </div>
    </li>
  );
}

export function SidePanel({ app }: { app: AppController }): ReactNode {
  const run = useStore(app.runs.state);
  return (
    <aside className="side-panel" aria-label="Run and outputs">
      <section className="run-status" data-testid="run-status" data-phase={run.phase}>
        <div className="run-phase">
          <span className={`phase ${run.phase}`}>{PHASES[run.phase]}</span>
          <span className="queue-count" title="Prompts pending or running on the server">
            queue {run.queueRemaining}
          </span>
        </div>
        {run.message && (
          <p className="run-message" data-testid="run-message">
            {run.message}
          </p>
        )}
        {run.graphProblems.length > 0 && (
          <ul className="graph-problems" data-testid="graph-problems">
            {run.graphProblems.map((p, i) => (
              <li key={i}>{p.message}</li>
            ))}
          </ul>
        )}
      </section>
      <QueuePanel app={app} />
      <section className="gallery">
        <h3>
          Outputs
          <button className="small" title="Reload history" onClick={() => void app.runs.refreshHistory()}>
            ⟳
          </button>
        </h3>
        <ul className="history-list" data-testid="gallery">
          {run.history.map((item) => (
            <HistoryCard key={item.promptId} item={item} onOpen={() => void app.openHistory(item)} />
          ))}
          {run.history.length === 0 && <li className="empty">Results of your runs appear here.</li>}
        </ul>
      </section>
    </aside>
  );
}
