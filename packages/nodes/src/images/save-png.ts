/**
 * Writing PNGs into an output folder: named `<prefix>_<counter>.png` like ComfyUI (the counter is one past
 * the highest already there), written to a temporary file and hard-linked into place, so a reader never
 * sees a half-written file, two writers never take the same name, and a cancelled run leaves nothing.
 */
import { link, mkdir, readdir, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { LoomError } from '@loom/engine';

export interface SavedFile {
  filename: string;
  subfolder: string;
  type: 'output' | 'temp';
}

async function nextCounter(dir: string, stem: string): Promise<number> {
  const pattern = new RegExp(`^${stem.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}_(\\d+)\\.png$`);
  let highest = 0;
  for (const name of await readdir(dir).catch(() => [])) {
    const match = pattern.exec(name);
    if (match) highest = Math.max(highest, Number(match[1]));
  }
  return highest + 1;
}

/** Writes `bytes` as `<root>/<prefix>_NNNNN.png` (prefix may contain subfolders); aborts cleanly on `signal`. */
export async function savePng(root: string, prefixPath: string, bytes: Buffer, type: SavedFile['type'], signal: AbortSignal): Promise<SavedFile> {
  const target = join(root, prefixPath);
  const dir = dirname(target);
  const stem = basename(target);
  await mkdir(dir, { recursive: true });
  const temporary = join(dir, `.${stem}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
  await writeFile(temporary, bytes);
  try {
    for (let counter = await nextCounter(dir, stem); ; counter++) {
      if (signal.aborted) throw new LoomError('CANCELLED', 'The run was cancelled before the image was saved.');
      const filename = `${stem}_${String(counter).padStart(5, '0')}.png`;
      try {
        await link(temporary, join(dir, filename));
        const subfolder = dirname(prefixPath) === '.' ? '' : dirname(prefixPath).replaceAll('\\', '/');
        return { filename, subfolder, type };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
    }
  } finally {
    await unlink(temporary).catch(() => {});
  }
}
