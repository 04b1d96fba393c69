/**
 * The real run-graph CLI with the engine's stub test nodes (a slow node, a failing node) registered
 * too, so tests can drive cancellation and failures through real processes and real signals.
 */
import { Engine, NodeRegistry } from '@loom/engine';
import { stubNodes } from '../../packages/engine/src/testing/stub-nodes.ts';
import { createHost } from '../../packages/server/src/host.ts';
import { runGraphCli } from '../../packages/server/src/cli/run-graph.ts';

process.exitCode = await runGraphCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  createHost: (config) => {
    const host = createHost(config);
    const registry = new NodeRegistry([...host.registry.types().flatMap((t) => host.registry.get(t) ?? []), ...stubNodes]);
    return { ...host, registry, engine: new Engine({ registry }) };
  },
});
