/**
 * Parameter values given as text (the CLI's `--set node.input=value`), parsed by that parameter's own
 * schema so the command line accepts exactly what a graph file would.
 */
import { LoomError } from './errors.ts';
import type { Graph } from './graph.ts';
import type { NodeRegistry } from './registry.ts';
import { didYouMean } from './suggest.ts';
import { paramProblem } from './validate.ts';

/** Splits `node.input=value` (the node id may itself contain dots; the last dot before `=` separates). */
export function parseSetting(setting: string): { nodeId: string; input: string; text: string } {
  const eq = setting.indexOf('=');
  const target = eq < 0 ? '' : setting.slice(0, eq);
  const dot = target.lastIndexOf('.');
  if (eq < 0 || dot <= 0 || dot === target.length - 1) {
    throw new LoomError('USAGE', `--set expects node.input=value, got "${setting}".`);
  }
  return { nodeId: target.slice(0, dot), input: target.slice(dot + 1), text: setting.slice(eq + 1) };
}

/** Returns a copy of the graph with the setting applied, or throws a LoomError naming the node and input. */
export function applySetting(graph: Graph, registry: NodeRegistry, setting: string): Graph {
  const { nodeId, input, text } = parseSetting(setting);
  const node = graph.nodes[nodeId];
  if (!node) {
    throw new LoomError('USAGE', `--set ${setting}: the graph has no node "${nodeId}".${didYouMean(nodeId, Object.keys(graph.nodes))}`, { nodeId });
  }
  const def = registry.get(node.type);
  const info = registry.param(node.type, input);
  if (!def || !info) {
    const known = def ? Object.keys(def.params) : [];
    const why = def?.inputs[input]
      ? `"${input}" is a ${def.inputs[input]?.type.name} port; it takes a link, not a value.`
      : `node "${nodeId}" (${node.type}) has no parameter "${input}".${didYouMean(input, known)}`;
    throw new LoomError('USAGE', `--set ${setting}: ${why}`, { nodeId, input });
  }
  const value = coerce(text, info.catalog.linkType);
  const parsed = info.spec.schema.safeParse(value);
  if (!parsed.success) {
    // The message quotes what was typed: a coerced value would read "got null" for `steps=abc`.
    const problem = paramProblem(nodeId, def, input, parsed.error, text);
    throw new LoomError('PARAM_INVALID', problem.message, { nodeId, input, problems: [problem] });
  }
  return { ...graph, nodes: { ...graph.nodes, [nodeId]: { ...node, inputs: { ...node.inputs, [input]: parsed.data } } } };
}

function coerce(text: string, kind: 'STRING' | 'INT' | 'FLOAT' | 'BOOLEAN' | null): unknown {
  switch (kind) {
    case 'STRING':
      return text;
    case 'INT':
    case 'FLOAT':
      return text.trim() === '' || Number.isNaN(Number(text)) ? text : Number(text);
    case 'BOOLEAN':
      if (/^(true|1|yes|on)$/i.test(text)) return true;
      if (/^(false|0|no|off)$/i.test(text)) return false;
      return text;
    default:
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return text;
      }
  }
}
