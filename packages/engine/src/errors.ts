/**
 * The one error class of Loom. Every failure a user can see carries a code from {@link LoomErrorCode},
 * the node and input at fault where they apply, and a message that says how to fix it.
 */
export type LoomErrorCode =
  | 'VALIDATION_FAILED'
  | 'INVALID_GRAPH'
  | 'UNKNOWN_NODE_TYPE'
  | 'UNKNOWN_INPUT'
  | 'MISSING_INPUT'
  | 'LINK_TO_MISSING_NODE'
  | 'LINK_TO_MISSING_OUTPUT'
  | 'TYPE_MISMATCH'
  | 'GRAPH_CYCLE'
  | 'PARAM_INVALID'
  | 'NO_OUTPUT_NODES'
  | 'NODE_FAILED'
  | 'CANCELLED'
  | 'MODEL_NOT_FOUND'
  /** No worker of a scaled-out server has a model the prompt needs (refused at submission). */
  | 'MODEL_UNAVAILABLE'
  | 'UNSUPPORTED_MODEL'
  | 'BAD_FILE'
  | 'DEVICE_UNAVAILABLE'
  | 'DOWNLOAD_FAILED'
  | 'USAGE';

/** One problem found in a graph; validation returns all of them, never just the first. */
export interface Problem {
  code: LoomErrorCode;
  nodeId?: string;
  input?: string;
  message: string;
}

export interface LoomErrorOptions {
  nodeId?: string;
  input?: string;
  cause?: unknown;
  problems?: Problem[];
  /** Structured facts for programs (JSON-safe), e.g. the models no worker has and what each worker has. */
  details?: Readonly<Record<string, unknown>>;
}

export class LoomError extends Error {
  override readonly name = 'LoomError';
  readonly code: LoomErrorCode;
  readonly nodeId?: string;
  readonly input?: string;
  /** For VALIDATION_FAILED: every problem found. */
  readonly problems: Problem[];
  /** Structured facts about the failure beyond the message (the HTTP API answers them as `extra_info`). */
  readonly details?: Readonly<Record<string, unknown>>;

  constructor(code: LoomErrorCode, message: string, options: LoomErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    if (options.nodeId !== undefined) this.nodeId = options.nodeId;
    if (options.input !== undefined) this.input = options.input;
    this.problems = options.problems ?? [];
    if (options.details !== undefined) this.details = options.details;
  }

  /** A plain, JSON-safe view for events, HTTP bodies and `--json` output. */
  toJSON(): { code: LoomErrorCode; message: string; nodeId?: string; input?: string; problems?: Problem[]; details?: Readonly<Record<string, unknown>> } {
    return {
      code: this.code,
      message: this.message,
      ...(this.nodeId !== undefined && { nodeId: this.nodeId }),
      ...(this.input !== undefined && { input: this.input }),
      ...(this.problems.length > 0 && { problems: this.problems }),
      ...(this.details !== undefined && { details: this.details }),
    };
  }
}

/** Terminal colour and cursor codes (ECMA-48 CSI sequences), which native libraries put in messages. */
// eslint-disable-next-line no-control-regex -- ESC is the character this pattern exists to find
const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]/g;

/** Wraps anything thrown into a LoomError, keeping a LoomError's own code; terminal escapes are removed. */
export function toLoomError(err: unknown, fallback: LoomErrorCode, context: LoomErrorOptions = {}): LoomError {
  if (err instanceof LoomError) {
    if (err.nodeId !== undefined || context.nodeId === undefined) return err;
    return new LoomError(err.code, err.message, {
      ...(err.input !== undefined && { input: err.input }),
      ...context,
      cause: err.cause ?? err,
      problems: err.problems,
      ...(err.details !== undefined && { details: err.details }),
    });
  }
  const message = (err instanceof Error ? err.message : String(err)).replace(ANSI, '');
  return new LoomError(fallback, message, { ...context, cause: err });
}

export function isAbortError(err: unknown): boolean {
  return (
    (err instanceof LoomError && err.code === 'CANCELLED') ||
    (err instanceof Error && (err.name === 'AbortError' || (err as { code?: unknown }).code === 'ABORT_ERR'))
  );
}

/** Runs `work`, attributing any LoomError it throws to `input` (a node's parameter or port). */
export async function atInput<T>(input: string, work: () => Promise<T> | T): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof LoomError && err.input === undefined) {
      throw new LoomError(err.code, err.message, {
        input,
        cause: err.cause ?? err,
        problems: err.problems,
        ...(err.nodeId !== undefined && { nodeId: err.nodeId }),
        ...(err.details !== undefined && { details: err.details }),
      });
    }
    throw err;
  }
}
