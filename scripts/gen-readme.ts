/**
 * `npm run gen:readme`: rewrites the README's Performance table (between `<!-- perf:begin -->` and
 * `<!-- perf:end -->`) from bench/results/*.json, and its findings table (`<!-- findings:begin -->`)
 * from tools/loom-tiny/findings/results.json. bench/lib/readme-figures.test.ts and
 * test/quality/findings.test.ts fail when either is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { performanceTable, replaceBlock } from '../bench/lib/readme-figures.ts';
import { committedFindingsTable } from '../tools/loom-tiny/findings/readme.ts';

const readme = fileURLToPath(new URL('../README.md', import.meta.url));
writeFileSync(readme, replaceBlock(replaceBlock(readFileSync(readme, 'utf8'), 'perf', performanceTable()), 'findings', committedFindingsTable()));
console.log(`wrote the Performance and findings tables of ${readme}`);
