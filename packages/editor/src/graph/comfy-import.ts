/**
 * ComfyUI documents in the editor, converted by the engine's own importers (`@loom/engine/browser`):
 * API-format prompts and UI workflows ("Save" format). The node shapes they need come from the
 * server's catalog, and the class/input map from its `comfyMap`, so the editor, the server and
 * `run-graph` read a ComfyUI file the same way.
 */
import { importComfyPrompt, importComfyWorkflow, type NodeShapes } from '@loom/engine/browser';
import type { Graph, ServerCatalog } from '../api/types.ts';

/** The catalog seen as the importers' node shapes: outputs and parameters in declaration order. */
function catalogShapes(catalog: ServerCatalog): NodeShapes {
  const byType = new Map(
    catalog.nodes.map((e) => [
      e.type,
      { outputs: Object.fromEntries(e.outputs.map((o) => [o.name, o.type])), params: Object.fromEntries(e.params.map((p) => [p.name, { widget: p.widget }])) },
    ]),
  );
  return { get: (type) => byType.get(type) };
}

export interface ComfyImporter {
  prompt(prompt: unknown): Graph;
  workflow(workflow: unknown): Graph;
}

export function comfyImporter(catalog: ServerCatalog): ComfyImporter {
  const shapes = catalogShapes(catalog);
  return {
    prompt: (prompt) => importComfyPrompt(prompt, shapes, catalog.comfyMap) as Graph,
    workflow: (workflow) => importComfyWorkflow(workflow, shapes, catalog.comfyMap) as Graph,
  };
}
