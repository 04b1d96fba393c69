/**
 * Every error response is JSON (ComfyUI clients call `res.json()` before throwing, e.g. the ComfyUI frontend's `api.ts` `queuePrompt`):
 * `{"error": {"type", "message", "details", "extra_info"}}`, the shape of ComfyUI's own prompt errors.
 */
import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { LoomError } from '@loom/engine';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly details = '',
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export function sendError(res: Response, status: number, type: string, message: string, details = '', extra: Record<string, unknown> = {}): void {
  if (res.headersSent) return;
  res.status(status).json({ error: { type, message, details, extra_info: extra } });
}

/** Unknown routes answer JSON too, never express's HTML page. */
export const notFound: RequestHandler = (req, res) => {
  sendError(res, 404, 'not_found', `No route for ${req.method} ${req.path}.`);
};

interface BodyParserError {
  type?: string;
  status?: number;
  limit?: number;
  message: string;
}

/** The last middleware: maps every thrown error to a JSON response; nothing escapes as HTML or a crash. */
export function errorHandler(log: (message: string) => void): ErrorRequestHandler {
  return (err: unknown, _req, res, _next) => {
    if (err instanceof HttpError) return sendError(res, err.status, err.type, err.message, err.details, err.extra);
    if (err instanceof LoomError) {
      // Every other code (MODEL_UNAVAILABLE, USAGE, validation…) is the request's fault: 400.
      const status = err.code === 'MODEL_NOT_FOUND' || err.code === 'BAD_FILE' ? 404 : 400;
      // An error's structured details are its extra_info (model_unavailable: models, node_id, input, workers).
      return sendError(res, status, err.code.toLowerCase(), err.message, '', err.details ?? err.toJSON());
    }
    const parserError = err as BodyParserError;
    switch (parserError.type) {
      case 'entity.parse.failed':
        return sendError(res, 400, 'invalid_json', `The request body is not valid JSON: ${parserError.message}.`);
      case 'entity.too.large':
        return sendError(res, 413, 'body_too_large', `The request body is larger than the limit of ${parserError.limit} bytes.`);
      case 'encoding.unsupported':
      case 'charset.unsupported':
        return sendError(res, 415, 'unsupported_encoding', parserError.message);
      case 'request.aborted':
        return sendError(res, 400, 'request_aborted', 'The client aborted the request.');
    }
    if (typeof parserError.status === 'number' && parserError.status >= 400 && parserError.status < 500) {
      return sendError(res, parserError.status, 'bad_request', parserError.message);
    }
    log(`Internal error: ${(err as Error)?.stack ?? String(err)}`);
    sendError(res, 500, 'internal_error', 'The server failed to handle this request; see its log.');
  };
}
