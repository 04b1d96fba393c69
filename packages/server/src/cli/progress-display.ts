/**
 * What `run-graph` shows while a graph runs: on a TTY, one live line with the current node, its step,
 * the overall percentage and an ETA; elsewhere, plain log lines (a few per node, never one per step).
 */
import type { EngineEvent } from '@loom/engine';

export interface ProgressDisplay {
  onEvent(event: EngineEvent): void;
  /** Clears the live line before other output is printed. */
  clear(): void;
}

interface Totals {
  total: number;
  done: number;
  fraction: number;
  current?: { nodeId: string; nodeType: string; value: number; max: number };
  startedAt: number;
}

export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  return m > 0 ? `${m}m${String(s).padStart(2, '0')}s` : `${s}s`;
}

/** Overall progress in [0, 1]: finished nodes plus the running node's fraction, each node one share. */
export function overallFraction(t: Totals): number {
  return t.total === 0 ? 1 : Math.min(1, (t.done + t.fraction) / t.total);
}

export function createProgressDisplay(stream: NodeJS.WriteStream, tty: boolean): ProgressDisplay {
  const t: Totals = { total: 0, done: 0, fraction: 0, startedAt: Date.now() };
  let lastPlainQuarter = -1;
  let live = false;

  const render = (): void => {
    const p = overallFraction(t);
    const elapsed = Date.now() - t.startedAt;
    const eta = p > 0.02 ? ` ETA ${formatDuration((elapsed * (1 - p)) / p)}` : '';
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
          t.startedAt = Date.now();
          if (!tty) plain(`running ${event.toExecute.length} node(s), ${event.cached.length} cached`);
          break;
        case 'node.started':
          t.current = { nodeId: event.nodeId, nodeType: event.nodeType, value: 0, max: 0 };
          t.fraction = 0;
          lastPlainQuarter = -1;
          if (!tty) plain(`${event.nodeType} "${event.nodeId}" started`);
          break;
        case 'node.progress':
          if (t.current) Object.assign(t.current, { value: event.value, max: event.max });
          t.fraction = event.max > 0 ? event.value / event.max : 0;
          if (!tty) {
            const quarter = Math.floor(t.fraction * 4);
            if (quarter > lastPlainQuarter) {
              lastPlainQuarter = quarter;
              plain(`  ${event.nodeId}: step ${event.value}/${event.max} (${Math.round(overallFraction(t) * 100)}% overall)`);
            }
          }
          break;
        case 'node.finished':
          t.done++;
          t.fraction = 0;
          delete t.current;
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
