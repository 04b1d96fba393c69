/**
 * `npm run gen:docs`: writes docs/nodes.md from the catalog of the host's node types and the ComfyUI
 * alias map (packages/server/src/docs/nodes-markdown.ts). A test fails when the file is stale, so run
 * it after adding or changing a node.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createHost } from '../packages/server/src/host.ts';
import { nodesMarkdown } from '../packages/server/src/docs/nodes-markdown.ts';

const path = fileURLToPath(new URL('../docs/nodes.md', import.meta.url));
const host = createHost();
writeFileSync(path, nodesMarkdown(host.registry.catalog(), host.comfyMap));
console.log(`wrote ${path}`);
