/** Regenerates prompts.schema.json at the repository root: `node --import tsx packages/nodes/src/sd/prompt-library/write-schema.ts`. */
import { writeFileSync } from 'node:fs';
import { promptLibraryJsonSchema } from './schema.ts';

const target = new URL('../../../../../prompts.schema.json', import.meta.url);
writeFileSync(target, `${JSON.stringify(promptLibraryJsonSchema(), null, 2)}\n`);
console.log(`wrote ${target.pathname}`);
