/**
 * Engine events → what each node shows. Pure apart from the preview URLs it creates: the controller
 * feeds every event of the active prompt through {@link nodeRunFor} and hands the result to the editor.
 */
import type { EngineEvent, ImageRef, UiPayload } from '../api/types.ts';
import type { NodeRun } from '../editor/loom-node.ts';

/** Images an output node reported (`ui.images` entries that name a file). */
export function uiImages(ui: UiPayload | undefined): ImageRef[] {
  const list = ui?.images ?? [];
  return list
    .filter((x): x is ImageRef => typeof x === 'object' && x !== null && typeof (x as ImageRef).filename === 'string')
    .map((x) => ({ filename: x.filename, subfolder: x.subfolder ?? '', type: x.type ?? 'output' }));
}

function uiText(ui: UiPayload | undefined): string[] | undefined {
  const list = ui?.text;
  return Array.isArray(list) ? list.map(String) : undefined;
}

function withOutputs(run: NodeRun, ui: UiPayload | undefined): NodeRun {
  const images = uiImages(ui);
  const text = uiText(ui);
  return { ...run, ...(images.length > 0 && { images }), ...(text && { text }) };
}

/**
 * The run state of `nodeId` after `event`, or undefined if the event does not concern it.
 * `previewUrl` is the object URL of a preview that came with a progress event.
 */
export function nodeRunFor(nodeId: string, current: NodeRun, event: EngineEvent, previewUrl?: string): NodeRun | undefined {
  const keep = current.preview ? { preview: current.preview } : {};
  switch (event.type) {
    case 'run.started':
      if (event.cached.includes(nodeId)) return { status: 'cached', ...keep };
      if (event.toExecute.includes(nodeId)) return { status: 'queued', ...keep };
      return { status: 'idle', ...keep };
    case 'node.started':
      return event.nodeId === nodeId ? { status: 'running', ...keep } : undefined;
    case 'node.progress':
      if (event.nodeId !== nodeId) return undefined;
      return { status: 'running', value: event.value, max: event.max, ...(previewUrl ? { preview: previewUrl } : keep) };
    case 'node.cached':
      return event.nodeId === nodeId ? withOutputs({ status: 'cached', ...keep }, event.ui) : undefined;
    case 'node.finished':
      return event.nodeId === nodeId ? withOutputs({ status: 'done', durationMs: event.durationMs, ...keep }, event.ui) : undefined;
    case 'node.failed':
      return event.nodeId === nodeId ? { status: 'error', message: event.error.message, ...keep } : undefined;
    case 'run.failed':
      return event.error.nodeId === nodeId && current.status !== 'error'
        ? { status: 'error', message: event.error.message, ...keep }
        : current.status === 'queued' || current.status === 'running'
          ? { status: 'idle', ...keep }
          : undefined;
    case 'run.cancelled':
      return current.status === 'queued' || current.status === 'running' ? { status: 'idle', message: 'cancelled', ...keep } : undefined;
    default:
      return undefined;
  }
}
