/**
 * Clears what an earlier comparison left in its folder before a new one writes there, so a re-run
 * never mixes old cells with new: the cell PNGs (`img/r{rank:02d}-{index:04d}.png`), grid.png and
 * README.md. Other files in the folder are the user's and stay.
 */
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { GRID_FILES } from './grid-result.ts';

const CELL = /^r\d{2}-\d{4}\.png$/;

/** Removes the previous run's files; returns how many there were. */
export async function clearPreviousRun(folder: string): Promise<number> {
  const cells = await readdir(join(folder, GRID_FILES.cells)).catch(() => [] as string[]);
  const stale = [
    ...cells.filter((f) => CELL.test(f)).map((f) => join(folder, GRID_FILES.cells, f)),
    join(folder, GRID_FILES.grid),
    join(folder, GRID_FILES.readme),
  ];
  let removed = 0;
  for (const file of stale) {
    try {
      await rm(file);
      removed++;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  return removed;
}
