/**
 * Finds, for every PyTorch module of an exported model, the ONNX initializer that holds its weight
 * and the layout it is stored in (as torch.onnx exports them):
 * - Conv: named `<module>.weight`, `[out, in, kh, kw]`.
 * - Gemm (Linear on 2-D input): named `<module>.weight`, `[out, in]` with transB=1 (`[in, out]` if transB=0).
 * - MatMul (Linear on ≥3-D input, constant-folded): anonymous `onnx::MatMul_N`, already transposed to
 *   `[in, out]`; found through the scoped node name `/<module path with / separators>/MatMul`
 *   (torch ≥ 1.13), taking the node's second input.
 * - Unfolded / dynamo exports: named `<module>.weight` `[out, in]` → Transpose → MatMul.
 *
 * Exports older than torch 1.13 name nodes generically (`MatMul_123`): their named Conv/Gemm weights
 * still map by initializer name, but anonymous MatMul weights cannot be attributed to a module; the
 * mapping then reports them unmatched and {@link assertScopedNames} explains why, naming the file.
 */
import type { OnnxModel } from '../../runtime/onnx-model/onnx-model.ts';
import { int64, type NodeProto } from '../../runtime/onnx-model/onnx-schema.ts';
import { LoomError } from '@loom/engine';

/** How the weight is laid out relative to PyTorch's `[out, in(, kh, kw)]`. */
export type WeightLayout = 'out_in' | 'in_out' | 'conv';

/** Where one module's weight lives in the ONNX graph. */
export interface WeightTarget {
  readonly module: string;
  readonly initializer: string;
  readonly layout: WeightLayout;
  /** The initializer's dims. */
  readonly dims: readonly number[];
  readonly op: string;
  /** The consuming node's activation input and its (first) output: where a LoRA branch attaches. */
  readonly activation: string;
  readonly output: string;
}

/** Module path → weight target, for one ONNX model. */
export type ModuleIndex = ReadonlyMap<string, WeightTarget>;

const MODULE_OPS = new Set(['MatMul', 'Gemm', 'Conv']);

/** Builds the module index of `model`. */
export function buildModuleIndex(model: OnnxModel): ModuleIndex {
  const graph = model.proto.graph;
  const producers = new Map<string, NodeProto>();
  for (const n of graph.node) for (const o of n.output) producers.set(o, n);
  const index = new Map<string, WeightTarget>();
  const add = (module: string, initializer: string, layout: WeightLayout, node: NodeProto): void => {
    const t = model.initializer(initializer)!;
    index.set(module, { module, initializer, layout, dims: t.dims.map(int64), op: node.opType, activation: node.input[0] ?? '', output: node.output[0] ?? '' });
  };
  for (const node of graph.node) {
    if (!MODULE_OPS.has(node.opType)) continue;
    const b = node.input[1];
    if (!b) continue;
    let weight = b;
    let layout: WeightLayout;
    if (node.opType === 'Conv') layout = 'conv';
    else if (node.opType === 'Gemm') layout = attrInt(node, 'transB') === 1 ? 'out_in' : 'in_out';
    else layout = 'in_out';
    if (!model.initializer(weight)) {
      // dynamo / unfolded export: MatMul(x, Transpose(W)) with W named and [out, in].
      const p = producers.get(weight);
      if (node.opType !== 'MatMul' || p?.opType !== 'Transpose' || !p.input[0] || !model.initializer(p.input[0])) continue;
      weight = p.input[0];
      layout = 'out_in';
    }
    const named = /^(.+)\.weight$/.exec(weight);
    const module = named ? named[1]! : moduleFromNodeName(node.name);
    if (module) add(module, weight, layout, node);
  }
  return index;
}

/**
 * `/down_blocks.0/attentions.0/transformer_blocks.0/attn1/to_q/MatMul` →
 * `down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q`. A scope that repeats its parent
 * (`/to_out/to_out.0/`, `/input_blocks.1/input_blocks.1.1/`, seen in LDM exports) collapses to the inner name.
 */
function moduleFromNodeName(name: string): string | undefined {
  if (!name.startsWith('/')) return undefined;
  const parts = name.slice(1).split('/');
  parts.pop(); // the op name (`MatMul`, `MatMul_1`)
  const out: string[] = [];
  for (const p of parts) {
    if (out.length && p.startsWith(`${out[out.length - 1]}.`)) out[out.length - 1] = p;
    else out.push(p);
  }
  return out.length ? out.join('.') : undefined;
}

/** Throws a clear error when `model` has MatMul weights but no scoped node names (pre-1.13 export). */
export function assertScopedNames(model: OnnxModel): void {
  const matmuls = model.proto.graph.node.filter((n) => n.opType === 'MatMul');
  if (matmuls.length > 0 && !matmuls.some((n) => n.name.startsWith('/'))) {
    throw new LoomError(
      'UNSUPPORTED_MODEL',
      `${model.path}: node names are generic (e.g. "${matmuls[0]!.name}"), so this model was exported before torch 1.13 ` +
        'and its anonymous MatMul (Linear) weights cannot be matched to LoRA modules by name. Re-export it with torch ≥ 1.13 ' +
        '(e.g. a current Optimum), or use LoRAs that only touch Conv/Gemm layers.',
    );
  }
}

function attrInt(node: NodeProto, name: string): number | undefined {
  const a = node.attribute.find((x) => x.name === name);
  return a?.i === undefined ? undefined : int64(a.i);
}

/** Looks a LoRA module up, also trying with/without the `text_model.` level transformers 5 dropped. */
export function findTarget(index: ModuleIndex, module: string): WeightTarget | undefined {
  return index.get(module) ?? (module.startsWith('text_model.') ? index.get(module.slice('text_model.'.length)) : index.get(`text_model.${module}`));
}
