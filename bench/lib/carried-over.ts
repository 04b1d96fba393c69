/**
 * Figures a bench could not re-measure on this machine (the SD1.5-size UNet is not generated), carried
 * over from the last result file, each marked with the date it was measured.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resultsDir, type BenchResult, type Figure } from './report.ts';

export function carriedOver(name: string, keep: (figure: Figure) => boolean): Figure[] {
  const path = new URL(`${name}.json`, resultsDir);
  if (!existsSync(path)) return [];
  const last = JSON.parse(readFileSync(path, 'utf8')) as BenchResult;
  return last.figures.filter(keep).map((f) => {
    const since = f.note?.match(/^carried over, measured (\S+)/)?.[1] ?? last.date.slice(0, 10);
    const own = f.note?.replace(/^carried over[^;]*;?\s*/, '');
    return { ...f, note: `carried over, measured ${since} (not re-measured: needs the SD1.5-size UNet)${own ? `; ${own}` : ''}` };
  });
}
