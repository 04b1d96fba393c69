/**
 * Finds the state dict in an unpickled checkpoint object.
 * Lightning checkpoints nest it under `state_dict` (ComfyUI `comfy/utils.py` load_torch_file does the
 * same unwrapping); transformers' `pytorch_model.bin` is the state dict itself; A1111 textual-inversion
 * `.pt` files keep their vectors under `string_to_param` (modules/textual_inversion/textual_inversion.py
 * `Embedding.save`), beside metadata (`name`, `step`, …) that holds no tensors.
 */
import { LoomError } from '@loom/engine';
import { isTensorRef, type TensorRef } from './restricted-unpickler.ts';

/** The named tensors of `root`, in pickle order; entries that are not tensors (step counters, …) are left out. */
export function stateDictOf(root: unknown, origin: string): Map<string, TensorRef> {
  const dict = unwrap(root);
  if (!dict)
    throw new LoomError(
      'BAD_FILE',
      `${origin}: the pickle holds no state dict (found ${describe(root)}). Loom reads checkpoints saved with torch.save(model.state_dict()) or Lightning's {"state_dict": …}.`,
    );
  const tensors = new Map<string, TensorRef>();
  for (const [key, value] of dict) {
    if (typeof key === 'string' && isTensorRef(value)) tensors.set(key, value);
  }
  if (tensors.size === 0) throw new LoomError('BAD_FILE', `${origin}: the state dict has no tensors.`);
  return tensors;
}

function unwrap(root: unknown): Map<unknown, unknown> | undefined {
  if (!(root instanceof Map)) return undefined;
  for (const key of ['state_dict', 'model', 'module', 'string_to_param']) {
    const inner = root.get(key);
    if (inner instanceof Map && [...inner.values()].some(isTensorRef)) return inner;
  }
  return [...root.values()].some(isTensorRef) ? root : undefined;
}

function describe(v: unknown): string {
  if (v instanceof Map) return `a dict with keys ${[...v.keys()].slice(0, 8).map(String).join(', ')}`;
  return Array.isArray(v) ? 'a list' : typeof v;
}
