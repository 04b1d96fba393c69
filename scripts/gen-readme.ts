/**
 * `npm run gen:readme`: rewrites the README's Performance table (between `<!-- perf:begin -->` and
 * `<!-- perf:end -->`) from bench/results/*.json, its loom-tiny quality table (`<!-- quality:begin -->`)
 * from tools/loom-tiny/quality/results.json, and its findings table (`<!-- findings:begin -->`) from
 * tools/loom-tiny/findings/results.json, and the editor's figures in packages/editor/README.md
 * (`<!-- editor:begin -->`) from bench/results/editor.json. bench/lib/readme-figures.test.ts,
 * bench/lib/editor-figures.test.ts, test/quality/quality-readme.test.ts and
 * test/quality/findings.test.ts fail when one is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { editorTable } from '../bench/lib/editor-figures.ts';
import { performanceTable, replaceBlock } from '../bench/lib/readme-figures.ts';
import { committedFindingsTable } from '../tools/loom-tiny/findings/readme.ts';
import { committedQualityTable } from '../tools/loom-tiny/quality/readme.ts';

const readme = fileURLToPath(new URL('../README.md', import.meta.url));
const blocks: [string, string][] = [
  ['perf', performanceTable()],
  ['quality', committedQualityTable()],
  ['findings', committedFindingsTable()],
];
writeFileSync(
  readme,
  blocks.reduce((text, [name, table]) => replaceBlock(text, name, table), readFileSync(readme, 'utf8')),
);
console.log(`wrote the Performance, quality and findings tables of ${readme}`);

const editorReadme = fileURLToPath(new URL('../packages/editor/README.md', import.meta.url));
writeFileSync(editorReadme, replaceBlock(readFileSync(editorReadme, 'utf8'), 'editor', editorTable()));
console.log(`wrote the figures of ${editorReadme}`);
