/** A host on the embedded tiny models with extra test nodes, writing into a temporary folder. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Engine, NodeRegistry, builtinNodes, ObjectStore, type AnyNodeDefinition, type EngineEvent, type Graph, type RunResult } from '@loom/engine';
import { createNodePack, type NodePackConfig } from '@loom/nodes';

export const root = fileURLToPath(new URL('../../../', import.meta.url));
export const modelsDir = join(root, 'models');
/** Real configs and prompt files from public repositories, committed as fixtures (see its README). */
export const upstreamFixtures = join(root, 'test/fixtures/upstream');

export interface TestHost {
  engine: Engine;
  registry: NodeRegistry;
  config: NodePackConfig;
  dir: string;
  run(graph: Graph, events?: EngineEvent[]): Promise<RunResult>;
}

export function testHost(extra: AnyNodeDefinition[] = [], options: { objects?: ObjectStore; modelsDir?: string } = {}): TestHost {
  const dir = mkdtempSync(join(tmpdir(), 'loom-seed-'));
  const config: NodePackConfig = {
    modelsDir: options.modelsDir ?? modelsDir,
    outputDir: join(dir, 'out'),
    inputDir: join(dir, 'in'),
    tempDir: join(dir, 'temp'),
    device: 'cpu',
    threads: 1,
  };
  const registry = new NodeRegistry([...builtinNodes, ...createNodePack(config).nodes, ...extra]);
  const engine = new Engine({ registry, ...(options.objects && { objects: options.objects }) });
  return {
    engine,
    registry,
    config,
    dir,
    run: (graph, events) => engine.run(graph, events ? { onEvent: (e) => events.push(e) } : {}),
  };
}

export const link = (node: string, output: string) => ({ node, output });
