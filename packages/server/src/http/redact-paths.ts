/**
 * Error bodies never show where the server keeps its files: a node's message such as "LoRA file
 * /home/ana/loom/models/loras/x.safetensors does not exist" reaches HTTP clients as
 * "models/loras/x.safetensors". The server's own folders become their short names; any other absolute
 * path (a cache, a library) is cut to `…/<file name>`. Applied once, to every JSON body with an error
 * status ({@link redactErrorBodies}), so no route or node has to remember it.
 */
import { readdirSync } from 'node:fs';
import { basename, resolve, sep } from 'node:path';
import type { RequestHandler } from 'express';
import type { EngineEvent } from '@loom/engine';

/** A folder the server uses and the name clients see for it (`models`, `output`, …). */
export interface NamedFolder {
  dir: string;
  name: string;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Top-level directories of this file system: an absolute path in a message starts with one of them. */
function rootEntries(): Set<string> {
  try {
    return new Set(readdirSync('/'));
  } catch {
    return new Set();
  }
}

const STOP = `\\s"'\`()<>\\[\\],;`;

export class PathRedactor {
  readonly #folders: { pattern: RegExp; name: string }[];
  readonly #roots = rootEntries();
  readonly #posix = new RegExp(`(?<![\\w.~:/-])/([^${STOP}/]+)(?:/[^${STOP}/]*)+`, 'g');
  readonly #windows = new RegExp(`\\b[A-Za-z]:\\\\[^${STOP}]*`, 'g');

  constructor(folders: readonly NamedFolder[]) {
    // Longest first, so a folder inside another (out/ in the working dir) keeps its own name.
    this.#folders = folders
      .map((f) => ({ dir: resolve(f.dir), name: f.name }))
      .sort((a, b) => b.dir.length - a.dir.length)
      .map((f) => ({ pattern: new RegExp(`${escapeRegExp(f.dir)}(?=$|[${escapeRegExp(sep)}/]|[^\\w.-])`, 'g'), name: f.name }));
  }

  /** One string with every absolute path made relative or cut to its file name. */
  text(value: string): string {
    let out = value;
    for (const f of this.#folders) out = out.replace(f.pattern, f.name);
    out = out.replace(this.#posix, (path, first: string) => (this.#roots.has(first) ? `…/${basename(path)}` : path));
    return out.replace(this.#windows, (path) => `…\\${path.split('\\').pop() ?? ''}`);
  }

  /** A JSON value with {@link text} applied to every string in it. */
  deep(value: unknown): unknown {
    if (typeof value === 'string') return this.text(value);
    if (Array.isArray(value)) return value.map((v) => this.deep(v));
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.deep(v)]));
    }
    return value;
  }
}

/** A host's file folders under the names clients know (ComfyUI's `models`, `output`, `input`, `temp`). */
export function hostFolders(dirs: { modelsDir: string; outputDir: string; inputDir: string; tempDir: string }): NamedFolder[] {
  return [
    { dir: dirs.modelsDir, name: 'models' },
    { dir: dirs.outputDir, name: 'output' },
    { dir: dirs.inputDir, name: 'input' },
    { dir: dirs.tempDir, name: 'temp' },
  ];
}

/** Events whose only payload is text (messages that may name files); previews are never walked. */
const TEXT_EVENTS = new Set<EngineEvent['type']>(['node.failed', 'run.failed', 'node.log']);

/** An engine event as clients and history may see it: failure and log messages redacted. */
export function redactEvent(redactor: PathRedactor | undefined, event: EngineEvent): EngineEvent {
  return redactor && TEXT_EVENTS.has(event.type) ? (redactor.deep(event) as EngineEvent) : event;
}

/** Middleware: JSON bodies sent with a status of 400 or more pass through the redactor. */
export function redactErrorBodies(redactor: PathRedactor): RequestHandler {
  return (_req, res, next) => {
    const json = res.json.bind(res);
    res.json = (body?: unknown) => json(res.statusCode >= 400 ? redactor.deep(body) : body);
    next();
  };
}
