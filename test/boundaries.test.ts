/**
 * The import boundaries hold in both tools: a wrong-way import fails ESLint (eslint.config.js) and the
 * TypeScript project build (each package's tsconfig maps forbidden modules to boundaries/*.ts). The
 * probes are virtual files inside the packages, so nothing is written to the tree.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import ts from 'typescript';

const root = fileURLToPath(new URL('..', import.meta.url));
const eslint = new ESLint({ cwd: root });

async function lintErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, file) });
  return (result?.messages ?? []).filter((m) => m.severity === 2).map((m) => `${m.ruleId}: ${m.message}`);
}

const CASES: { file: string; code: string; allowed: boolean }[] = [
  { file: 'packages/engine/src/probe.ts', code: "import 'onnxruntime-node';\n", allowed: false },
  { file: 'packages/engine/src/probe.ts', code: "export { DEVICE_CHOICES } from '@loom/nodes';\n", allowed: false },
  { file: 'packages/engine/src/probe.test.ts', code: "export type { LoomServer } from '@loom/server';\n", allowed: false },
  { file: 'packages/nodes/src/probe.ts', code: "export { createHost } from '@loom/server';\n", allowed: false },
  { file: 'packages/nodes/src/probe.ts', code: "export { LoomError } from '@loom/engine';\n", allowed: true },
  { file: 'packages/editor/src/probe.ts', code: "export { DEVICE_CHOICES } from '@loom/nodes';\n", allowed: false },
  { file: 'packages/editor/src/probe.ts', code: "export { LoomError } from '@loom/engine';\n", allowed: false },
  { file: 'packages/editor/src/probe.ts', code: "export type { Graph } from '@loom/engine';\n", allowed: true },
  { file: 'packages/editor/src/probe.ts', code: "export { portAccepts } from '@loom/engine/browser';\n", allowed: true },
  // The same boundaries through relative paths into another package's sources.
  { file: 'packages/engine/src/probe.ts', code: "export { nodePack } from '../../nodes/src/index.ts';\n", allowed: false },
  { file: 'packages/nodes/src/sd/probe.ts', code: "export { createHost } from '../../../server/src/index.ts';\n", allowed: false },
  { file: 'packages/editor/src/graph/probe.ts', code: "export { createHost } from '../../../server/src/index.ts';\n", allowed: false },
  { file: 'packages/editor/src/graph/probe.ts', code: "export { LoomNode } from '../editor/loom-node.ts';\n", allowed: true },
  { file: 'packages/nodes/src/probe.ts', code: "export { LoomError } from '../../engine/src/errors.ts';\n", allowed: true },
];

for (const { file, code, allowed } of CASES) {
  test(`eslint ${allowed ? 'accepts' : 'refuses'} ${code.trim()} in ${file}`, async () => {
    const errors = await lintErrors(file, code);
    if (allowed) assert.deepEqual(errors, []);
    else
      assert.ok(
        errors.some((e) => e.startsWith('@typescript-eslint/no-restricted-imports: ')),
        errors.join('\n') || 'no error',
      );
  });
}

/** Type-checks the engine's sources plus a virtual probe file under packages/engine/tsconfig.json. */
function engineDiagnostics(code: string): string[] {
  const configPath = join(root, 'packages/engine/tsconfig.json');
  const config = ts.getParsedCommandLineOfConfigFile(
    configPath,
    {},
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => assert.fail(String(d.messageText)) },
  );
  assert.ok(config);
  const probe = join(root, 'packages/engine/src/boundary-probe.ts');
  const host = ts.createCompilerHost(config.options);
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  host.readFile = (f) => (f === probe ? code : readFile(f));
  host.fileExists = (f) => f === probe || fileExists(f);
  const program = ts.createProgram({ rootNames: [...config.fileNames, probe], options: { ...config.options, noEmit: true }, host });
  // The project's file-list errors, and the probe's own: checking the whole engine is tsc -b's job.
  const diagnostics = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics(), ...program.getSemanticDiagnostics(program.getSourceFile(probe))];
  return diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

test('the engine project refuses onnxruntime-node and @loom/nodes, and builds without them', () => {
  assert.deepEqual(engineDiagnostics("export { LoomError } from './errors.ts';\n"), []);
  for (const code of ["import 'onnxruntime-node';\n", "export { DEVICE_CHOICES } from '@loom/nodes';\n"]) {
    const messages = engineDiagnostics(code);
    assert.ok(
      messages.some((m) => m.includes('boundaries/not-in-engine.ts') && m.includes('is not listed within the file list of project')),
      `${code}: ${messages.join('\n') || 'no error'}`,
    );
  }
});
