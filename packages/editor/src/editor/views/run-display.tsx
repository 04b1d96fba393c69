/** What a run shows on a node: a state badge, the live preview, result images and text, the error. */
import type { ReactNode } from 'react';
import type { LoomNode, NodeRun } from '../loom-node.ts';
import type { NodeEnv } from '../node-env.ts';
import { isolate } from './param-widget.tsx';

const LABELS: Record<NodeRun['status'], string> = { idle: '', queued: 'queued', running: 'running', cached: 'cached', done: 'done', error: 'error' };

export function RunBadge({ run }: { run: NodeRun }): ReactNode {
  if (run.status === 'idle') return null;
  const time = run.status === 'done' && run.durationMs !== undefined ? ` ${(run.durationMs / 1000).toFixed(run.durationMs < 10_000 ? 2 : 1)} s` : '';
  return (
    <span className={`run-badge ${run.status}`} data-testid="run-badge">
      {LABELS[run.status]}
      {time}
    </span>
  );
}

export function RunOutputs({ node, env }: { node: LoomNode; env: NodeEnv }): ReactNode {
  const { run } = node;
  const images = run.images ?? [];
  return (
    <>
      {run.preview && images.length === 0 && (
        <div className="node-preview" data-testid="node-preview">
          <img src={run.preview} alt="live preview" />
        </div>
      )}
      {images.length > 0 && (
        <div className="node-images" {...isolate}>
          {images.map((ref) => {
            const url = env.imageUrl(ref);
            return <img key={url} src={url} alt={ref.filename} title={ref.filename} data-testid="node-image" onClick={() => env.showImage(url)} />;
          })}
        </div>
      )}
      {run.text && run.text.length > 0 && (
        <pre className="node-text" {...isolate}>
          {run.text.join('\n')}
        </pre>
      )}
      {run.status === 'error' && run.message && (
        <div className="node-error" data-testid="node-error">
          {run.message}
        </div>
      )}
    </>
  );
}
