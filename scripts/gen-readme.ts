/**
 * `npm run gen:readme`: rewrites the README's Performance table (between `<!-- perf:begin -->` and
 * `<!-- perf:end -->`) from bench/results/*.json. bench/lib/readme-figures.test.ts fails when it is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { performanceTable, replaceBlock } from '../bench/lib/readme-figures.ts';

const readme = fileURLToPath(new URL('../README.md', import.meta.url));
writeFileSync(readme, replaceBlock(readFileSync(readme, 'utf8'), 'perf', performanceTable()));
console.log(`wrote the Performance table of ${readme}`);
