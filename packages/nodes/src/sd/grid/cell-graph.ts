/**
 * The graph that re-renders exactly one cell of a comparison, embedded in that cell's PNG: the grid's
 * bindings written into the graph, and the grid node replaced by a SaveImage on its `images` link.
 *
 * A binding replaces an upstream output for one evaluation (engine/src/run.ts, lazy `evaluate`). In a
 * plain graph that is: a primitive source (Seed, Int, Float, String, Boolean, whose parameter carries
 * the output's name) gets the value as its parameter (a Seed also becomes `fixed`, so it cannot draw a
 * random one); any other source's links are replaced by the value itself in every consumer.
 */
import { isLink, type Graph } from '@loom/engine';

const PRIMITIVES = new Set(['Seed', 'Int', 'Float', 'String', 'Boolean']);

/**
 * `bindings` as the grid evaluated them (grid input name → value); `prefix` is SaveImage's
 * filenamePrefix for the re-render (inside the output folder).
 */
export function cellGraph(graph: Graph, gridId: string, bindings: Record<string, string | number | boolean>, prefix: string, title: string): Graph {
  const grid = graph.nodes[gridId];
  const nodes: Graph['nodes'] = structuredClone(graph.nodes);
  delete nodes[gridId];
  for (const [name, value] of Object.entries(bindings)) {
    const link = grid?.inputs[name];
    if (!isLink(link)) continue;
    const source = nodes[link.node];
    if (source && PRIMITIVES.has(source.type) && !isLink(source.inputs[link.output])) {
      source.inputs[link.output] = value;
      if (source.type === 'Seed') source.inputs.mode = 'fixed';
      continue;
    }
    for (const node of Object.values(nodes)) {
      for (const [input, v] of Object.entries(node.inputs)) if (isLink(v) && v.node === link.node && v.output === link.output) node.inputs[input] = value;
    }
  }
  const images = grid?.inputs.images;
  const saveId = nodes.save === undefined ? 'save' : `${gridId}-save`;
  if (isLink(images)) nodes[saveId] = { type: 'SaveImage', inputs: { images, filenamePrefix: prefix } };
  return { version: 1, nodes, meta: { ...graph.meta, title } };
}
