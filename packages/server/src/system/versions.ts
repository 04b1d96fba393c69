/** Version facts for `/system_stats` and `/loom/api/system`, read once from the installed packages. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

function packageVersion(spec: string): string {
  try {
    return (JSON.parse(readFileSync(require.resolve(`${spec}/package.json`), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export interface Versions {
  loom: string;
  node: string;
  onnxruntime: string;
  express: string;
  ws: string;
}

let cached: Versions | undefined;

export function versions(): Versions {
  cached ??= {
    loom: (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version,
    node: process.versions.node,
    onnxruntime: packageVersion('onnxruntime-node'),
    express: packageVersion('express'),
    ws: packageVersion('ws'),
  };
  return cached;
}
