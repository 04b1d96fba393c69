/**
 * What `loom pull` shows while bytes arrive: on a TTY one live line (bar, bytes done / total, speed,
 * ETA, current file); elsewhere one plain line per file. Speed is measured over the last
 * {@link WINDOW_MS} of bytes actually received (bytes resumed from a `.part` file count as done, never
 * as speed), and the ETA is what is left divided by that speed, shown only after a second of data.
 */
import { formatDuration } from '../cli/progress-display.ts';

const WINDOW_MS = 5_000;

/** `1536` → `1.5 KB` (powers of 1000, as the hub shows sizes). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

export interface TransferProgress {
  fileStarted(path: string, size: number): void;
  bytes(count: number, resumed: boolean): void;
  fileDone(path: string, note: string): void;
  /** Clears the live line (before an error or the summary is printed). */
  clear(): void;
}

export function createTransferProgress(
  stream: NodeJS.WritableStream & { columns?: number },
  tty: boolean,
  total: number,
  now: () => number = Date.now,
): TransferProgress {
  let done = 0;
  let received = 0;
  let current = '';
  let live = false;
  let lastRender = 0;
  const samples: Array<{ at: number; received: number }> = [];

  const speed = (): number | undefined => {
    const t = now();
    samples.push({ at: t, received });
    while (samples.length > 2 && t - (samples[1]?.at ?? t) >= WINDOW_MS) samples.shift();
    const first = samples[0];
    if (!first || t - first.at < 1_000) return undefined;
    return ((received - first.received) * 1000) / (t - first.at);
  };

  const render = (force: boolean): void => {
    if (!tty || (!force && now() - lastRender < 100)) return;
    lastRender = now();
    const rate = speed();
    const fraction = total > 0 ? Math.min(1, done / total) : 0;
    const width = 20;
    const filled = Math.round(fraction * width);
    const eta = rate !== undefined && rate > 0 ? ` ETA ${formatDuration(((total - done) / rate) * 1000)}` : '';
    const text = `${'█'.repeat(filled)}${'░'.repeat(width - filled)} ${String(Math.round(fraction * 100)).padStart(3)}% ${formatBytes(done)}/${formatBytes(total)}${rate !== undefined ? ` ${formatBytes(rate)}/s` : ''}${eta} ${current}`;
    stream.write(`\r\x1b[2K${text.slice(0, (stream.columns || 100) - 1)}`);
    live = true;
  };

  const clear = (): void => {
    if (live) stream.write('\r\x1b[2K');
    live = false;
  };

  return {
    fileStarted(path, size) {
      current = path;
      if (!tty) stream.write(`fetching ${path} (${formatBytes(size)})\n`);
      render(true);
    },
    bytes(count, resumed) {
      done += count;
      if (!resumed) received += count;
      render(false);
    },
    fileDone(path, note) {
      clear();
      stream.write(`${note} ${path}\n`);
      render(true);
    },
    clear,
  };
}
