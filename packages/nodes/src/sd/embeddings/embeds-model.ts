/**
 * A text encoder that takes token embeddings as input, derived from any CLIP text-encoder ONNX file (Loom's
 * built graphs and Optimum / diffusers-script exports alike: all look up tokens with one
 * `Gather(token_embedding.weight, input_ids)`). The surgery keeps that lookup and puts a `Where` after it:
 *
 *   tokens = Where(inputs_embeds_mask, inputs_embeds, Gather(token_embedding.weight, input_ids))
 *
 * so slots whose mask is true take the fed vector exactly and every other slot keeps the model's own lookup
 * (no 49408×768 table copied into JavaScript). `input_ids` stays an input: positions and the pooling's eos
 * search still read it (transformers modeling_clip.py `CLIPTextTransformer.forward` takes `inputs_embeds` the
 * same way: it replaces only the token lookup). Every initializer keeps its name, so LoRA patching and CLIP
 * skip's norm reading work on the derived file as on the original.
 *
 * The derived model is cached under `<cache root>/embeds/<key>/model.onnx`, keyed by the source's fingerprint
 * (path, size, mtime of it and its data files). External weight files are hard-linked beside it (onnxruntime
 * refuses data files reached through a symlink out of the model's folder), copied only across file systems;
 * a model with inline weights is written whole. Published by renaming a finished temporary folder. Only
 * prompts that use an embedding run it.
 */
import { createHash, randomUUID } from 'node:crypto';
import { access, copyFile, link, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { LoomError } from '@loom/engine';
import { OnnxModel } from '../../runtime/onnx-model/onnx-model.ts';
import { createMessage, int64, type NodeProto, type ValueInfoProto } from '../../runtime/onnx-model/onnx-schema.ts';
import { externalLocation } from '../../runtime/onnx-model/tensor-data.ts';
import { modelFingerprint } from '../../runtime/session.ts';

/** The inputs the derived model adds. */
export const EMBEDS_INPUT = 'inputs_embeds';
export const EMBEDS_MASK_INPUT = 'inputs_embeds_mask';
/** Part of the key: a change to the surgery re-derives every model. */
const SURGERY_VERSION = 1;
const BOOL = 9; // onnx TensorProto.DataType.BOOL

/** The token lookup of a CLIP text encoder: its node index, the table's element type and width. */
function tokenLookup(model: OnnxModel): { index: number; elemType: number; width: number } {
  const index = model.proto.graph.node.findIndex(
    (n) => n.opType === 'Gather' && n.input[1] === 'input_ids' && model.initializer(n.input[0] ?? '')?.dims.length === 2,
  );
  const node = model.proto.graph.node[index];
  const table = node && model.initializer(node.input[0]!);
  if (!node || !table) {
    throw new LoomError(
      'UNSUPPORTED_MODEL',
      `${model.path}: no token-embedding lookup (Gather of a [vocab, width] weight by input_ids), so textual-inversion embeddings cannot be fed to this text encoder. Load the model from a checkpoint or diffusers folder (Loom builds such graphs), or use a standard Optimum export.`,
    );
  }
  return { index, elemType: table.dataType, width: int64(table.dims[1]!) };
}

const input = (name: string, elemType: number, dims: Array<string | number>): ValueInfoProto =>
  createMessage<ValueInfoProto>('onnx.ValueInfoProto', {
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } },
  });

/** The derived model's bytes; see the module doc. */
export function deriveEmbedsModel(model: OnnxModel): Uint8Array {
  const { index, elemType, width } = tokenLookup(model);
  const nodes = model.proto.graph.node;
  const gather = nodes[index]!;
  const tokens = gather.output[0]!;
  const lookup = `${tokens}/lookup`;
  const renamed = createMessage<NodeProto>('onnx.NodeProto', { ...gather, output: [lookup] });
  const where = createMessage<NodeProto>('onnx.NodeProto', {
    name: '/loom/inputs_embeds/Where',
    opType: 'Where',
    input: [EMBEDS_MASK_INPUT, EMBEDS_INPUT, lookup],
    output: [tokens],
  });
  return model.encode({
    nodes: [...nodes.slice(0, index), renamed, where, ...nodes.slice(index + 1)],
    addInputs: [input(EMBEDS_INPUT, elemType, ['batch_size', 'sequence_length', width]), input(EMBEDS_MASK_INPUT, BOOL, ['batch_size', 'sequence_length', 1])],
  });
}

/** The path of the derived model for the text encoder at `source`, built once into `cacheRoot`. */
export async function embedsModelPath(source: string, cacheRoot: string): Promise<string> {
  const { key } = await modelFingerprint(source);
  const dir = join(cacheRoot, 'embeds', createHash('sha256').update(`${SURGERY_VERSION}|${key}`).digest('hex').slice(0, 32));
  const path = join(dir, 'model.onnx');
  if (
    await access(path).then(
      () => true,
      () => false,
    )
  )
    return path;
  const model = await OnnxModel.load(source);
  const bytes = deriveEmbedsModel(model);
  const tmp = `${dir}.tmp-${randomUUID()}`;
  try {
    await mkdir(tmp, { recursive: true });
    await writeFile(join(tmp, 'model.onnx'), bytes);
    const files = new Set(model.proto.graph.initializer.flatMap((t) => externalLocation(t, model.dir)?.file ?? []));
    for (const file of files) {
      const target = join(tmp, relative(model.dir, file));
      await mkdir(dirname(target), { recursive: true });
      await link(file, target).catch(() => copyFile(file, target));
    }
    await rename(tmp, dir).catch(async (err: unknown) => {
      // another process published the same entry first: theirs is identical
      if (
        !(await access(path).then(
          () => true,
          () => false,
        ))
      )
        throw err;
    });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return path;
}
