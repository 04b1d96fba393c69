/**
 * Reads a ComfyUI `/upload/image` form (fields `image`, `overwrite`, `type`, `subfolder`) with busboy,
 * holding at most `maxBytes` of the one file in memory; fields may arrive before or after the file.
 */
import type { Request } from 'express';
import busboy from 'busboy';
import { HttpError } from './http-error.ts';

export interface UploadForm {
  fields: Record<string, string>;
  file: { field: string; filename: string; data: Buffer } | null;
}

export function readUploadForm(req: Request, maxBytes: number): Promise<UploadForm> {
  const type = req.headers['content-type'] ?? '';
  if (!/^multipart\/form-data/i.test(type)) {
    return Promise.reject(new HttpError(400, 'invalid_upload', 'Uploads must be multipart/form-data with the file in the "image" field.'));
  }
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { fileSize: maxBytes, files: 1, fields: 20, fieldSize: 64 * 1024, parts: 32 } });
    } catch (err) {
      reject(new HttpError(400, 'invalid_upload', `Malformed multipart request: ${(err as Error).message}.`));
      return;
    }
    const fields: Record<string, string> = {};
    let file: UploadForm['file'] = null;
    let failure: HttpError | null = null;
    const fail = (error: HttpError): void => {
      failure ??= error;
    };
    parser.on('field', (name, value) => {
      fields[name] = value;
    });
    parser.on('file', (field, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      // A form cut short errors the file stream as well as the parser; unhandled, it would crash the process.
      stream.on('error', (err: Error) => fail(new HttpError(400, 'invalid_upload', `Malformed multipart request: ${err.message}.`)));
      stream.on('limit', () => fail(new HttpError(413, 'upload_too_large', `The file is larger than the upload limit of ${maxBytes} bytes.`)));
      stream.on('close', () => {
        file = { field, filename: info.filename ?? '', data: Buffer.concat(chunks) };
      });
    });
    parser.on('filesLimit', () => fail(new HttpError(400, 'invalid_upload', 'Send one file per upload.')));
    parser.on('partsLimit', () => fail(new HttpError(400, 'invalid_upload', 'Too many form parts.')));
    parser.on('fieldsLimit', () => fail(new HttpError(400, 'invalid_upload', 'Too many form fields.')));
    parser.on('error', (err: Error) => reject(new HttpError(400, 'invalid_upload', `Malformed multipart request: ${err.message}.`)));
    parser.on('close', () => (failure ? reject(failure) : resolve({ fields, file })));
    req.on('aborted', () => reject(new HttpError(400, 'request_aborted', 'The client aborted the upload.')));
    req.pipe(parser);
  });
}
