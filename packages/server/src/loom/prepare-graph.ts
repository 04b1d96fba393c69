/**
 * A native Loom graph checked for submission: the whole graph must validate (unlike ComfyUI prompts,
 * a Loom graph is one document the user edits as a whole), and requested targets must be output nodes.
 */
import { validateGraph, type Graph, type NodeRegistry, type Problem } from '@loom/engine';
import { toComfyError, type ComfyNodeError } from '../comfy/node-errors.ts';
import type { PreparedPrompt } from '../comfy/prepare-prompt.ts';

export type PreparedGraph = PreparedPrompt & { problems: Problem[] };

export function prepareNativeGraph(document: unknown, registry: NodeRegistry, targets?: string[]): PreparedGraph {
  const result = validateGraph(document, registry);
  const problems: Problem[] = result.ok ? [] : [...result.problems];
  const graph = result.ok ? result.plan.graph : undefined;
  if (graph && targets) {
    for (const id of targets) {
      if (registry.get(graph.nodes[id]?.type ?? '')?.output !== true) {
        problems.push({ code: 'USAGE', nodeId: id, message: `Target "${id}" is not an output node of this graph.` });
      }
    }
  }
  if (graph && problems.length === 0) {
    const outputs =
      targets ??
      Object.entries(graph.nodes)
        .filter(([, n]) => registry.get(n.type)?.output === true)
        .map(([id]) => id);
    const classTypes = Object.fromEntries(Object.entries(graph.nodes).map(([id, n]) => [id, n.type]));
    return { ok: true, graph, targets: outputs, classTypes, nodeErrors: {}, problems: [] };
  }
  const shown = graph ?? (document as Graph | undefined) ?? { version: 1, nodes: {} };
  const safeGraph: Graph =
    typeof shown === 'object' && shown !== null && typeof shown.nodes === 'object' && shown.nodes !== null ? shown : { version: 1, nodes: {} };
  const nodeErrors: Record<string, ComfyNodeError> = {};
  for (const problem of problems) {
    if (problem.nodeId === undefined) continue;
    const entry = (nodeErrors[problem.nodeId] ??= { errors: [], dependent_outputs: [], class_type: String(safeGraph.nodes[problem.nodeId]?.type ?? '') });
    entry.errors.push(toComfyError(problem, safeGraph, registry, (_n, input) => input));
  }
  return {
    ok: false,
    error: {
      type: 'prompt_outputs_failed_validation',
      message: 'Prompt outputs failed validation',
      details: problems.map((p) => p.message).join('\n'),
      extra_info: {},
    },
    nodeErrors,
    problems,
  };
}
