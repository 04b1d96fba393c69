/**
 * Loom validation problems in ComfyUI's `node_errors` vocabulary (ComfyUI execution.py `validate_inputs`): the ComfyUI
 * error type and message, our precise explanation in `details`, and ComfyUI's `extra_info` fields.
 */
import { isLink, type Graph, type NodeRegistry, type Problem } from '@loom/engine';

export interface ComfyError {
  type: string;
  message: string;
  details: string;
  extra_info: Record<string, unknown>;
}

export interface ComfyNodeError {
  errors: ComfyError[];
  dependent_outputs: string[];
  class_type: string;
}

/** The ComfyUI error type for a parameter value its schema rejects, from zod's issue code. */
function paramErrorType(problem: Problem, graph: Graph, registry: NodeRegistry): { type: string; message: string; value: unknown; options?: unknown[] } {
  const node = problem.nodeId === undefined ? undefined : graph.nodes[problem.nodeId];
  const value = node && problem.input !== undefined ? node.inputs?.[problem.input] : undefined;
  const info = node && typeof node.type === 'string' && problem.input !== undefined ? registry.param(node.type, problem.input) : undefined;
  const issue = info?.spec.schema.safeParse(value).error?.issues[0];
  const enumValues = info?.catalog.schema.enum;
  const options = Array.isArray(enumValues) ? enumValues : undefined;
  switch (issue?.code) {
    case 'too_small':
      return { type: 'value_smaller_than_min', message: 'Value smaller than min', value };
    case 'too_big':
      return { type: 'value_bigger_than_max', message: 'Value bigger than max', value };
    case 'invalid_value':
      return { type: 'value_not_in_list', message: 'Value not in list', value, ...(options && { options }) };
    case 'invalid_type':
      return { type: 'invalid_input_type', message: `Failed to convert an input value to a ${info?.catalog.linkType ?? 'valid'} value`, value };
    default:
      return { type: 'custom_validation_failed', message: 'Custom validation failed for node', value };
  }
}

/**
 * @param comfyInput maps our input name back to the name the client used (a ComfyUI alias may rename it).
 */
export function toComfyError(problem: Problem, graph: Graph, registry: NodeRegistry, comfyInput: (nodeId: string, input: string) => string): ComfyError {
  const input = problem.nodeId !== undefined && problem.input !== undefined ? comfyInput(problem.nodeId, problem.input) : problem.input;
  const extra: Record<string, unknown> = input === undefined ? {} : { input_name: input };
  const details = input === undefined ? problem.message : `${input}: ${problem.message}`;
  const given = problem.nodeId !== undefined && problem.input !== undefined ? graph.nodes[problem.nodeId]?.inputs?.[problem.input] : undefined;
  switch (problem.code) {
    case 'MISSING_INPUT':
      return { type: 'required_input_missing', message: 'Required input is missing', details, extra_info: extra };
    case 'LINK_TO_MISSING_NODE':
    case 'LINK_TO_MISSING_OUTPUT':
      return {
        type: 'bad_linked_input',
        message: 'Bad linked input, must be a length-2 list of [node_id, slot_index]',
        details,
        extra_info: { ...extra, received_value: given },
      };
    case 'TYPE_MISMATCH':
      if (isLink(given)) {
        return {
          type: 'return_type_mismatch',
          message: 'Return type mismatch between linked nodes',
          details,
          extra_info: { ...extra, linked_node: [given.node, given.output] },
        };
      }
      return { type: 'bad_linked_input', message: 'This input takes a link, not a value', details, extra_info: { ...extra, received_value: given } };
    case 'PARAM_INVALID': {
      const kind = paramErrorType(problem, graph, registry);
      // ComfyUI omits the option list when there are more than 20 options.
      const config = kind.options ? (kind.options.length > 20 ? null : [kind.options, {}]) : undefined;
      return {
        type: kind.type,
        message: kind.message,
        details,
        extra_info: { ...extra, received_value: kind.value, ...(config !== undefined && { input_config: config }) },
      };
    }
    case 'GRAPH_CYCLE':
      return { type: 'dependency_cycle', message: 'Dependency cycle detected', details, extra_info: extra };
    default:
      return { type: 'custom_validation_failed', message: 'Validation failed', details, extra_info: extra };
  }
}
