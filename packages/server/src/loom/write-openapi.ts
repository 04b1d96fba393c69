/** Writes `openapi.json` from the zod schemas: `node --import tsx packages/server/src/loom/write-openapi.ts`. */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { versions } from '../system/versions.ts';
import { OPENAPI_PATH, openApiText } from './openapi.ts';

writeFileSync(OPENAPI_PATH, openApiText(versions().loom));
console.log(`wrote ${fileURLToPath(OPENAPI_PATH)}`);
