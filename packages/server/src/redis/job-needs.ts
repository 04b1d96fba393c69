/**
 * What a graph needs from the machine that runs it, read from the node declarations (the file widgets):
 * the pipelines it loads (`{ file: 'pipelines' }`, the base model routing is keyed on) and the uploaded
 * input files it reads (`{ file: 'input' }`, shipped with the job to workers on other machines).
 */
import { isLink, type Graph, type NodeRegistry } from '@loom/engine';

function fileParams(graph: Graph, registry: NodeRegistry, folder: string): { nodeId: string; param: string; value: string }[] {
  const found: { nodeId: string; param: string; value: string }[] = [];
  for (const [nodeId, node] of Object.entries(graph.nodes)) {
    const def = registry.get(node.type);
    if (!def) continue;
    for (const [name, spec] of Object.entries(def.params)) {
      if (typeof spec.widget !== 'object' || spec.widget.file !== folder) continue;
      const given = node.inputs[name];
      if (isLink(given)) continue; // chosen at run time; cannot be routed on
      // An absent literal takes the declared default (the graph was validated with it).
      const parsed = spec.schema.safeParse(given);
      if (parsed.success && typeof parsed.data === 'string') found.push({ nodeId, param: name, value: parsed.data });
    }
  }
  return found;
}

/** The pipelines a graph loads, sorted and unique. */
export function requiredModels(graph: Graph, registry: NodeRegistry): string[] {
  return [...new Set(fileParams(graph, registry, 'pipelines').map((p) => p.value))].sort();
}

/** Where each pipeline is named (for an error that points at the node). */
export function modelUses(graph: Graph, registry: NodeRegistry): { nodeId: string; param: string; value: string }[] {
  return fileParams(graph, registry, 'pipelines');
}

/** Input-folder files the graph reads, as `/`-separated paths relative to the input folder. */
export function inputFileNames(graph: Graph, registry: NodeRegistry): string[] {
  return [...new Set(fileParams(graph, registry, 'input').map((p) => p.value))].sort();
}
