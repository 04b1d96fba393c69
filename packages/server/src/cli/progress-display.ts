/**
 * What `run-graph` shows while a graph runs: on a TTY, one live line with the current node, its step,
 * the overall percentage and an ETA; elsewhere, plain log lines (a few per node, never one per step).
 * The percentage and ETA weigh nodes by cost ({@link ProgressEstimate}), so sampler steps dominate.
 */
import type { EngineEvent } from '@loom/engine';
import { ProgressEstimate, type PlannedNode } from './progress-estimate.ts';

export interface ProgressDisplay {
  onEvent(event: EngineEvent): void;
  /** Clears the live line before other output is printed. */
  clear(): void;
}

export interface ProgressDisplayOptions {
  /** The graph's nodes (type, literal steps), so nodes not yet started weigh what they will cost. */
  plan?: readonly PlannedNode[];
  /** The clock (tests pass a fake one). */
  now?: () => number;
}

export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  return m > 0 ? `${m}m${String(s).padStart(2, '0')}s` : `${s}s`;
}

export function createProgressDisplay(stream: NodeJS.WriteStream, tty: boolean, options: ProgressDisplayOptions = {}): ProgressDisplay {
  const now = options.now ?? Date.now;
  const plan = new Map((options.plan ?? []).map((node) => [node.id, node]));
  let estimate = new ProgressEstimate([], now);
  const t: { total: number; done: number; current?: { nodeId: string; nodeType: string; value: number; max: number } } = { total: 0, done: 0 };
  let lastPlainQuarter = -1;
  let live = false;
  const percent = (): number => Math.round(estimate.snapshot().fraction * 100);

  const render = (): void => {
    const { fraction: p, etaMs } = estimate.snapshot();
    const eta = etaMs !== undefined ? ` ETA ${formatDuration(etaMs)}` : '';
    const width = 20;
    const filled = Math.round(p * width);
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
    const node = t.current ? ` ${t.current.nodeType} "${t.current.nodeId}"${t.current.max > 0 ? ` step ${t.current.value}/${t.current.max}` : ''}` : '';
    const text = `${bar} ${String(Math.round(p * 100)).padStart(3)}% ${t.done}/${t.total} nodes${node}${eta}`;
    stream.write(`\r\x1b[2K${text.slice(0, (stream.columns || 100) - 1)}`);
    live = true;
  };
  const plain = (line: string): void => void stream.write(`${line}\n`);

  return {
    clear() {
      if (live) stream.write('\r\x1b[2K');
      live = false;
    },
    onEvent(event) {
      switch (event.type) {
        case 'run.started':
          t.total = event.toExecute.length;
          estimate = new ProgressEstimate(
            event.toExecute.map((id) => plan.get(id) ?? { id, type: '' }),
            now,
          );
          if (!tty) plain(`running ${event.toExecute.length} node(s), ${event.cached.length} cached`);
          break;
        case 'node.started':
          t.current = { nodeId: event.nodeId, nodeType: event.nodeType, value: 0, max: 0 };
          estimate.started(event.nodeId, event.nodeType);
          lastPlainQuarter = -1;
          if (!tty) plain(`${event.nodeType} "${event.nodeId}" started`);
          break;
        case 'node.progress':
          if (t.current?.nodeId === event.nodeId) Object.assign(t.current, { value: event.value, max: event.max });
          estimate.progress(event.nodeId, event.value, event.max);
          if (!tty) {
            const quarter = Math.floor((event.max > 0 ? event.value / event.max : 0) * 4);
            if (quarter > lastPlainQuarter) {
              lastPlainQuarter = quarter;
              plain(`  ${event.nodeId}: step ${event.value}/${event.max} (${percent()}% overall)`);
            }
          }
          break;
        case 'node.finished':
          t.done++;
          estimate.finished(event.nodeId, event.durationMs);
          if (t.current?.nodeId === event.nodeId) delete t.current;
          if (!tty) plain(`${event.nodeType} "${event.nodeId}" done in ${formatDuration(event.durationMs)}`);
          break;
        case 'node.log':
          this.clear();
          plain(`${event.level === 'warn' ? 'warning' : 'info'} [${event.nodeId}]: ${event.message}`);
          break;
        default:
          return;
      }
      if (tty) render();
    },
  };
}
