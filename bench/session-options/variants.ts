/**
 * The session-option variants the session-options bench compares, each one change to Loom's defaults
 * (runtime/session.ts): onnxruntime's memory patterns, weight pre-packing and initializer
 * allocation (session config keys from onnxruntime's onnxruntime_session_options_config_keys.h), a cheap
 * warm-up call, int8 MatMul weights (the `precision` option), and CFG as two batch-1 calls instead of one
 * batch of 2 (`cfg-split`: half the activations alive at once, for the attention maps that dominate at 64×64).
 */
import type * as ort from 'onnxruntime-node';

export const VARIANTS = ['default', 'mempattern-off', 'prepack-off', 'init-device-alloc', 'prepack-off+mempattern-off', 'warmup', 'int8', 'cfg-split'] as const;
export type Variant = (typeof VARIANTS)[number];

/** What the variant changes in the session options (int8, warm-up and cfg-split change none). */
export function variantOptions(variant: Variant): ort.InferenceSession.SessionOptions {
  switch (variant) {
    case 'mempattern-off':
      return { enableMemPattern: false };
    case 'prepack-off':
      return { extra: { session: { disable_prepacking: '1' } } };
    case 'init-device-alloc':
      return { extra: { session: { use_device_allocator_for_initializers: '1' } } };
    case 'prepack-off+mempattern-off':
      return { enableMemPattern: false, extra: { session: { disable_prepacking: '1' } } };
    default:
      return {};
  }
}
