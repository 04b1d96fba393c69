/**
 * Typed calls to the Loom server (`/loom/api/...` plus ComfyUI's `/view`, `/upload/image` and
 * `/object_info`). Same origin: a token given as `?token=` on the page URL is kept in a cookie by the
 * server, so requests need nothing extra.
 */
import type {
  Graph,
  HistoryEntryResponse,
  HistoryResponse,
  ImageRef,
  ModelsResponse,
  ObjectInfo,
  QueueResponse,
  ServerCatalog,
  SubmitError,
  SubmitResponse,
  TemplateSummary,
  ValidateResponse,
} from './types.ts';

/** An HTTP failure with the server's own message (its error bodies are `{ error: { message } }`). */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    message: string,
    readonly status: number,
    readonly body: unknown,
  ) {
    super(message);
  }
}

async function call<T>(path: string, init: RequestInit & { json?: unknown } = {}): Promise<T> {
  const { json, ...rest } = init;
  const res = await fetch(path, {
    ...rest,
    ...(json !== undefined && { body: JSON.stringify(json), headers: { 'content-type': 'application/json' } }),
  });
  const text = await res.text();
  let body: unknown = undefined;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = text;
  }
  if (!res.ok) {
    const message = (body as { error?: { message?: string; details?: string } } | undefined)?.error;
    throw new ApiError(
      message?.message ? `${message.message}${message.details ? `: ${message.details}` : ''}` : `${res.status} ${res.statusText} from ${path}`,
      res.status,
      body,
    );
  }
  return body as T;
}

export const api = {
  catalog: () => call<ServerCatalog>('/loom/api/catalog'),
  objectInfo: () => call<ObjectInfo>('/object_info'),
  models: () => call<ModelsResponse>('/loom/api/models'),
  validate: (graph: Graph) => call<ValidateResponse>('/loom/api/validate', { method: 'POST', json: { graph } }),
  submit: (graph: Graph, clientId: string) => call<SubmitResponse>('/loom/api/prompts', { method: 'POST', json: { graph, clientId } }),
  cancel: (promptId: string) => call<{ action: string }>(`/loom/api/queue/${encodeURIComponent(promptId)}`, { method: 'DELETE' }),
  queue: () => call<QueueResponse>('/loom/api/queue'),
  history: (limit = 50) => call<HistoryResponse>(`/loom/api/history?limit=${limit}&order=newest`),
  historyEntry: (promptId: string) => call<HistoryEntryResponse>(`/loom/api/history/${encodeURIComponent(promptId)}`),
  deleteHistory: (promptId: string) => call<unknown>(`/loom/api/history/${encodeURIComponent(promptId)}`, { method: 'DELETE' }),
  templates: () => call<{ templates: TemplateSummary[] }>('/loom/api/templates').then((r) => r.templates),
  template: (name: string) => call<unknown>(`/loom/api/templates/${encodeURIComponent(name)}`),
  saveTemplate: (name: string, graph: Graph) => call<{ name: string }>(`/loom/api/templates/${encodeURIComponent(name)}`, { method: 'PUT', json: graph }),
  /** Uploads an image into the input folder (ComfyUI's route); resolves with the stored name. */
  async uploadImage(file: File): Promise<string> {
    const form = new FormData();
    form.append('image', file, file.name);
    const res = await call<{ name: string; subfolder: string }>('/upload/image', { method: 'POST', body: form });
    return res.subfolder ? `${res.subfolder}/${res.name}` : res.name;
  },
};

/** The URL that serves an output image. */
export function imageUrl(ref: ImageRef): string {
  return `/view?${new URLSearchParams({ filename: ref.filename, subfolder: ref.subfolder, type: ref.type })}`;
}

/** The validation problems in a failed submit, if the server sent them. */
export function submitProblems(err: unknown): SubmitError['problems'] {
  return err instanceof ApiError ? (err.body as SubmitError | undefined)?.problems : undefined;
}

/** Template names the server accepts (api-schemas.ts TEMPLATE_NAME). */
export const TEMPLATE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;
