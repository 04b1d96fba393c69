/**
 * Turning initializers into plain graph inputs, so patched weights can be fed per run and one
 * session serves every LoRA / strength (the benchmark's switcher technique).
 *
 * Why not "overridable initializers" (an initializer also listed in `graph.input`, IR ≥ 4)?
 * onnxruntime accepts such models, but onnxruntime-node 1.30 does not list them in
 * `session.inputNames` and silently ignores feeds for them (measured: the stored value is used).
 * Removing the initializer and declaring a required input works with the Node binding.
 */
import { LoomError } from '@loom/engine';
import { createMessage, type ValueInfoProto } from '../../packages/nodes/src/runtime/onnx-model/onnx-schema.ts';
import type { OnnxModel } from '../../packages/nodes/src/runtime/onnx-model/onnx-model.ts';

/** The model with the named initializers dropped and declared as required graph inputs instead. */
export function encodeAsInputs(model: OnnxModel, names: Iterable<string>): Uint8Array {
  const inputs = initializerInputs(model, names);
  const drop = new Set(inputs.map((v) => v.name));
  return model.encode({ initializers: model.proto.graph.initializer.filter((t) => !drop.has(t.name)), addInputs: inputs });
}

/** Required graph-input declarations (same name, element type and static shape) for the named initializers. */
function initializerInputs(model: OnnxModel, names: Iterable<string>): ValueInfoProto[] {
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
