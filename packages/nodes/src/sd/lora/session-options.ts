/** Combining the session options a patched model needs with the caller's own. */
import type { InferenceSession } from 'onnxruntime-node';

/** Caller options win, except that both sides' `extra.session` config entries are kept. */
export function mergeSessionOptions(ours: InferenceSession.SessionOptions, theirs: InferenceSession.SessionOptions): InferenceSession.SessionOptions {
  const session = { ...(ours.extra?.session as object | undefined), ...(theirs.extra?.session as object | undefined) };
  return { ...ours, ...theirs, extra: { ...ours.extra, ...theirs.extra, session } };
}
