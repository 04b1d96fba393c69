/**
 * The README's findings table from the committed results (`results.json`, written by
 * `npm run findings -- --results tools/loom-tiny/findings/results.json`), for `npm run gen:readme`.
 */
import { readFileSync } from 'node:fs';
import { findingsTable } from './markdown.ts';
import type { FindingsResult } from './measure.ts';

export const RESULTS_FILE = new URL('./results.json', import.meta.url);

export function committedFindingsTable(file: URL | string = RESULTS_FILE): string {
  return findingsTable(JSON.parse(readFileSync(file, 'utf8')) as FindingsResult);
}
