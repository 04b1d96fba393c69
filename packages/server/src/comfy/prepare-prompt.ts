/**
 * ComfyUI's `validate_prompt` semantics on top of Loom validation (ComfyUI execution.py `validate_prompt`): every node's
 * class must exist; only output nodes and their ancestors are validated; unknown inputs are ignored;
 * outputs with errors are dropped and the rest run (200 with `node_errors`), and only when no output
 * survives is the prompt refused (400 `prompt_outputs_failed_validation`).
 */
import { LoomError, comfyInputNamer, importComfyPrompt, isLink, validateGraph, type ComfyMap, type Graph, type NodeRegistry, type Problem } from '@loom/engine';
import { toComfyError, type ComfyError, type ComfyNodeError } from './node-errors.ts';

export type PreparedPrompt =
  | { ok: true; graph: Graph; targets: string[]; classTypes: Record<string, string>; nodeErrors: Record<string, ComfyNodeError> }
  | { ok: false; error: ComfyError; nodeErrors: Record<string, ComfyNodeError> };

const NODE_ID = /^[A-Za-z0-9_.:-]+$/;

function invalid(message: string, details = ''): PreparedPrompt {
  return { ok: false, error: { type: 'invalid_prompt', message, details, extra_info: {} }, nodeErrors: {} };
}

export function prepareComfyPrompt(prompt: unknown, registry: NodeRegistry, comfyMap: ComfyMap, partialTargets?: string[]): PreparedPrompt {
  if (typeof prompt !== 'object' || prompt === null || Array.isArray(prompt)) {
    return invalid('The prompt must be an object of nodes: {"<id>": {"class_type": ..., "inputs": {...}}}.');
  }
  const classTypes: Record<string, string> = {};
  for (const [id, node] of Object.entries(prompt)) {
    if (!NODE_ID.test(id)) return invalid(`Node id "${id}" is not allowed; use letters, digits and _ . : -.`, `Node ID '#${id}'`);
    const classType = typeof node === 'object' && node !== null ? (node as { class_type?: unknown }).class_type : undefined;
    if (typeof classType !== 'string') return invalid('Cannot execute because a node is missing the class_type property.', `Node ID '#${id}'`);
    if (!comfyMap[classType] && !registry.get(classType)) return invalid(`Cannot execute because node ${classType} does not exist.`, `Node ID '#${id}'`);
    classTypes[id] = classType;
  }
  let graph: Graph;
  try {
    graph = dropUnknownInputs(importComfyPrompt(prompt, registry, comfyMap), registry);
  } catch (err) {
    if (err instanceof LoomError) return invalid(err.message, err.nodeId === undefined ? '' : `Node ID '#${err.nodeId}'`);
    throw err;
  }
  const outputs = Object.entries(graph.nodes)
    .filter(([id, node]) => registry.get(node.type)?.output === true && (partialTargets === undefined || partialTargets.includes(id)))
    .map(([id]) => id);
  if (outputs.length === 0) {
    return { ok: false, error: { type: 'prompt_no_outputs', message: 'Prompt has no outputs', details: '', extra_info: {} }, nodeErrors: {} };
  }
  const comfyInput = (nodeId: string, input: string): string => comfyInputNamer(comfyMap[classTypes[nodeId] ?? ''])(input);
  const ancestors = new Map(outputs.map((id) => [id, ancestorsOf(graph, id)]));
  const first = validateGraph(subgraph(graph, outputs, ancestors), registry);
  if (first.ok) return { ok: true, graph: first.plan.graph, targets: outputs, classTypes, nodeErrors: {} };

  const byNode = new Map<string, Problem[]>();
  const global: Problem[] = [];
  for (const problem of first.problems) {
    if (problem.nodeId === undefined) global.push(problem);
    else byNode.set(problem.nodeId, [...(byNode.get(problem.nodeId) ?? []), problem]);
  }
  const nodeErrors: Record<string, ComfyNodeError> = {};
  for (const [nodeId, problems] of byNode) {
    nodeErrors[nodeId] = {
      errors: problems.map((p) => toComfyError(p, graph, registry, comfyInput)),
      dependent_outputs: outputs.filter((o) => ancestors.get(o)?.has(nodeId)),
      class_type: classTypes[nodeId] ?? graph.nodes[nodeId]?.type ?? '',
    };
  }
  const valid = global.length > 0 ? [] : outputs.filter((o) => ![...byNode.keys()].some((id) => ancestors.get(o)?.has(id)));
  if (valid.length > 0) {
    const second = validateGraph(subgraph(graph, valid, ancestors), registry);
    if (second.ok) return { ok: true, graph: second.plan.graph, targets: valid, classTypes, nodeErrors };
  }
  const details = [...global.map((p) => p.message), ...Object.values(nodeErrors).flatMap((e) => e.errors.map((x) => x.details))].join('\n');
  return { ok: false, error: { type: 'prompt_outputs_failed_validation', message: 'Prompt outputs failed validation', details, extra_info: {} }, nodeErrors };
}

/** ComfyUI ignores inputs a node does not declare (e.g. widgets of newer versions); so do we here. */
function dropUnknownInputs(graph: Graph, registry: NodeRegistry): Graph {
  const nodes: Graph['nodes'] = {};
  for (const [id, node] of Object.entries(graph.nodes)) {
    const def = registry.get(node.type);
    const inputs = def ? Object.fromEntries(Object.entries(node.inputs).filter(([name]) => name in def.inputs || name in def.params)) : node.inputs;
    nodes[id] = { ...node, inputs };
  }
  return { ...graph, nodes };
}

/** The node and everything upstream of it (links to missing nodes are left for validation to report). */
function ancestorsOf(graph: Graph, id: string): Set<string> {
  const seen = new Set<string>();
  const stack = [id];
  while (stack.length > 0) {
    const current = stack.pop() as string;
    if (seen.has(current) || !graph.nodes[current]) continue;
    seen.add(current);
    for (const value of Object.values(graph.nodes[current]?.inputs ?? {})) if (isLink(value)) stack.push(value.node);
  }
  return seen;
}

function subgraph(graph: Graph, outputs: string[], ancestors: Map<string, Set<string>>): Graph {
  const keep = new Set(outputs.flatMap((o) => [...(ancestors.get(o) ?? [])]));
  return { ...graph, nodes: Object.fromEntries(Object.entries(graph.nodes).filter(([id]) => keep.has(id))) };
}
