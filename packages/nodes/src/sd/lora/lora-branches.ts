/**
 * LoRA as graph branches: next to every adapted layer `y = f(x, W)` the graph gets
 * `y' = y + (x @ A) @ B` (Conv 1×1: two 1×1 convolutions), with A and B graph inputs whose rank
 * dimension is symbolic. The base weights stay constant initializers (prepacked by onnxruntime),
 * and a switch of LoRA or strength only changes the small factor feeds.
 *
 * The math is the LoRA forward of diffusers `LoRALinearLayer` / kohya `LoRAModule.forward`
 * (`org_forward(x) + lora_up(lora_down(x)) · multiplier · scale`), with several LoRAs stacked along
 * the rank axis and `strength · scale` folded into B (see `stackFactors`).
 */
import { DataType, createMessage, int64, type NodeProto, type ValueInfoProto } from '../../runtime/onnx-model/onnx-schema.ts';
import type { OnnxModel } from '../../runtime/onnx-model/onnx-model.ts';
import type { WeightTarget } from './map-onnx.ts';
import { stackFactors, targetOutIn, type ScaledFactors } from './merge.ts';
import { LoomError } from '@loom/engine';

/** Graph-input names of the two factors of the branch on `initializer`. */
export function branchInputs(initializer: string): { a: string; b: string } {
  return { a: `lora_a::${initializer}`, b: `lora_b::${initializer}` };
}

/** One factor feed: values and dims. */
export interface FactorFeed {
  readonly data: Float32Array;
  readonly dims: number[];
}

function valueInfo(name: string, elemType: number, dims: (number | string)[]): ValueInfoProto {
  return createMessage<ValueInfoProto>('onnx.ValueInfoProto', {
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  });
}

function node(opType: string, input: string[], output: string): NodeProto {
  return createMessage<NodeProto>('onnx.NodeProto', { name: `/lora${output}/${opType}`, opType, input, output: [output] });
}

/** Throws unless a Conv target is a plain 1×1, stride-1, ungrouped convolution. */
function checkConv(n: NodeProto, t: WeightTarget): void {
  const attr = (name: string): NodeProto['attribute'][number] | undefined => n.attribute.find((x) => x.name === name);
  const strides = (attr('strides')?.ints ?? []).map(int64);
  const group = attr('group')?.i;
  const ok = t.dims.slice(2).every((d) => d === 1) && strides.every((s) => s === 1) && (group === undefined || int64(group) === 1);
  if (!ok) throw new LoomError('UNSUPPORTED_MODEL', `${t.module}: only 1×1, stride-1, ungrouped convolutions can carry a LoRA branch`);
}

/** Encodes `model` with a branch on every target; inputs are named by {@link branchInputs}. */
export function encodeWithBranches(model: OnnxModel, targets: readonly WeightTarget[]): Uint8Array {
  const byOutput = new Map(targets.map((t) => [t.output, t]));
  const nodes: NodeProto[] = [];
  const inputs: ValueInfoProto[] = [];
  for (const n of model.proto.graph.node) {
    const t = byOutput.get(n.output[0] ?? '');
    if (!t) {
      nodes.push(n);
      continue;
    }
    const base = `${t.output}::lora_base`;
    // A copy with the output renamed: the shared proto is never modified.
    nodes.push(Object.assign(Object.create(Object.getPrototypeOf(n)) as NodeProto, n, { output: [base, ...n.output.slice(1)] }));
    const { a, b } = branchInputs(t.initializer);
    const elem = model.initializer(t.initializer)?.dataType ?? DataType.FLOAT;
    const [outF, inF] = targetOutIn(t.dims, t.layout);
    const rank = `lora_rank::${t.initializer}`;
    const op = t.layout === 'conv' ? 'Conv' : 'MatMul';
    if (t.layout === 'conv') {
      checkConv(n, t);
      inputs.push(valueInfo(a, elem, [rank, inF, 1, 1]), valueInfo(b, elem, [outF, rank, 1, 1]));
    } else {
      inputs.push(valueInfo(a, elem, [inF, rank]), valueInfo(b, elem, [rank, outF]));
    }
    nodes.push(
      node(op, [t.activation, a], `${t.output}::lora_down`),
      node(op, [`${t.output}::lora_down`, b], `${t.output}::lora_up`),
      node('Add', [base, `${t.output}::lora_up`], t.output),
    );
  }
  return model.encode({ nodes, addInputs: inputs });
}

/**
 * The A and B feeds of one target for the LoRAs in `items` (empty: a rank-1 zero branch, so every
 * declared input is always fed). Linear: A = [down₁ᵀ|…] `[in, R]`, B = [c₁up₁ᵀ;…] `[R, out]`;
 * Conv 1×1: A = [down₁;…] `[R, in, 1, 1]`, B = [c₁up₁|…] `[out, R, 1, 1]`.
 */
export function branchFeeds(t: WeightTarget, items: readonly ScaledFactors[]): { a: FactorFeed; b: FactorFeed } {
  const [outF, inF] = targetOutIn(t.dims, t.layout);
  if (t.layout === 'conv') {
    if (items.length === 0) return { a: { data: new Float32Array(inF), dims: [1, inF, 1, 1] }, b: { data: new Float32Array(outF), dims: [outF, 1, 1, 1] } };
    const s = stackFactors('out_in', items, outF, inF); // a = coef·up [out, R], b = down [R, in]
    return { a: { data: s.b, dims: [s.r, inF, 1, 1] }, b: { data: s.a, dims: [outF, s.r, 1, 1] } };
  }
  if (items.length === 0) return { a: { data: new Float32Array(inF), dims: [inF, 1] }, b: { data: new Float32Array(outF), dims: [1, outF] } };
  const s = stackFactors('in_out', items, outF, inF); // a = downᵀ [in, R], b = coef·upᵀ [R, out]
  return { a: { data: s.a, dims: [inF, s.r] }, b: { data: s.b, dims: [s.r, outF] } };
}
