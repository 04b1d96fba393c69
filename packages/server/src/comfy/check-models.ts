/**
 * Checks the model files a prompt's loaders name before it is queued: a hostile, truncated, wrongly
 * typed or unknown checkpoint is refused with HTTP 400 and a `node_errors` entry naming the node,
 * the file and the cause, as ComfyUI refuses an invalid `ckpt_name`; the queue never sees it.
 */
import { LoomError, type Graph } from '@loom/engine';
import { checkModel, type NodePackConfig } from '@loom/nodes';
import type { ComfyError, ComfyNodeError } from './node-errors.ts';

/** `node_errors` for the ModelLoader nodes of `graph` whose model files cannot be loaded (empty when all can). */
export async function modelFileErrors(
  graph: Graph,
  targets: readonly string[],
  classTypes: Record<string, string>,
  config: NodePackConfig,
): Promise<Record<string, ComfyNodeError>> {
  const errors: Record<string, ComfyNodeError> = {};
  for (const [id, node] of Object.entries(graph.nodes)) {
    const name = node.inputs?.pipeline;
    if (node.type !== 'ModelLoader' || typeof name !== 'string') continue;
    try {
      await checkModel(config, name);
    } catch (err) {
      if (!(err instanceof LoomError) || (err.code !== 'BAD_FILE' && err.code !== 'UNSUPPORTED_MODEL' && err.code !== 'PARAM_INVALID')) throw err;
      const comfy = classTypes[id] === 'CheckpointLoaderSimple';
      errors[id] = {
        errors: [
          {
            type: err.code.toLowerCase(),
            message: 'Model file cannot be loaded',
            details: err.message,
            extra_info: { input_name: comfy ? 'ckpt_name' : 'pipeline', received_value: name },
          },
        ],
        dependent_outputs: [...targets],
        class_type: classTypes[id] ?? node.type,
      };
    }
  }
  return errors;
}

/** The 400 body's `error` for `nodeErrors` from {@link modelFileErrors}. */
export function modelFileError(nodeErrors: Record<string, ComfyNodeError>): ComfyError {
  const details = Object.values(nodeErrors)
    .flatMap((e) => e.errors.map((x) => x.details))
    .join('\n');
  return { type: 'prompt_outputs_failed_validation', message: 'Prompt outputs failed validation', details, extra_info: {} };
}
