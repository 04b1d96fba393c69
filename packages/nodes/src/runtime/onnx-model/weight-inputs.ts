/**
 * Turning initializers into plain graph inputs, so patched weights can be fed per run and one
 * session serves every LoRA / strength.
 *
 * Why not "overridable initializers" (an initializer also listed in `graph.input`, IR ≥ 4)?
 * onnxruntime accepts such models, but onnxruntime-node 1.30 does not list them in
 * `session.inputNames` and silently ignores feeds for them (measured: the stored value is used).
 * Removing the initializer and declaring a required input works with the Node binding.
 */
import { createMessage, type ValueInfoProto } from './onnx-schema.ts';
import type { OnnxModel } from './onnx-model.ts';
import { LoomError } from '@loom/engine';

/** Required graph-input declarations (same name, element type and static shape) for the named initializers. */
export function initializerInputs(model: OnnxModel, names: Iterable<string>): ValueInfoProto[] {
  const out: ValueInfoProto[] = [];
  for (const name of names) {
    const t = model.initializer(name);
    if (!t) throw new LoomError('UNSUPPORTED_MODEL', `${model.path}: no initializer named "${name}"`);
    out.push(
      createMessage<ValueInfoProto>('onnx.ValueInfoProto', {
        name,
        type: { tensorType: { elemType: t.dataType, shape: { dim: t.dims.map((d) => ({ dimValue: d })) } } },
      }),
    );
  }
  return out;
}
