/** Shared setup for builder tests: fixture weights, building one graph into a temp folder, feeding reference inputs. */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { safetensorsSource } from '../../packages/nodes/src/builder/test-weight-source.ts';
import type { GraphBuilder } from '../../packages/nodes/src/builder/graph.ts';
import { writeModel } from '../../packages/nodes/src/builder/write-model.ts';
import { float32ToHalf } from '../../packages/nodes/src/safetensors/float-convert.ts';
import type { ComponentWeights } from '../../packages/nodes/src/weights/components.ts';
import { readSafetensors, toFloat32, type LiteTensor } from '../helpers/safetensors-lite.ts';
import { fixturesDir, reference } from '../pipeline/harness.ts';

export const builderDir = join(fixturesDir, 'builder');
const FILES = ['model.safetensors', 'diffusion_pytorch_model.safetensors', 'diffusion_pytorch_model.fp16.safetensors'];

/** config.json and weights of one fixture component (`tiny-sd15/unet`, …). */
export async function fixtureComponent(path: string): Promise<ComponentWeights> {
  const dir = join(builderDir, path);
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
  const file = FILES.map((f) => join(dir, f)).find((f) => existsSync(f));
  if (!file) throw new Error(`no weights in ${dir}`);
  return { config, weights: await safetensorsSource(file) };
}

/** Writes `g` to a fresh temp folder and opens a single-threaded session on it. */
export async function session(g: GraphBuilder): Promise<{ session: ort.InferenceSession; path: string }> {
  const path = await writeModel(g, mkdtempSync(join(tmpdir(), 'loom-builder-')));
  return { session: await ort.InferenceSession.create(path, { intraOpNumThreads: 1, interOpNumThreads: 1 }), path };
}

/** Expected torch outputs of `pipeline`: the shared references, overridden by the builder's own (float16-stored components). */
export function expected(pipeline: string): Map<string, LiteTensor> {
  const out = new Map(reference(pipeline, 'base').tensors);
  const own = join(builderDir, pipeline, 'refs.safetensors');
  if (existsSync(own)) for (const [k, v] of readSafetensors(own).tensors) out.set(k, v);
  return out;
}

/**
 * Feeds for `component` from the reference inputs `<component>.<input>`, converted to the declared
 * type; a scalar or int64 timestep becomes float32 `[batch]` (the built UNet's contract).
 */
export function feeds(s: ort.InferenceSession, pipeline: string, component: string): Record<string, ort.Tensor> {
  const inputs = reference(pipeline, 'inputs').tensors;
  const out: Record<string, ort.Tensor> = {};
  for (const meta of s.inputMetadata) {
    const t = inputs.get(`${component}.${meta.name}`);
    if (!t || !meta.isTensor) continue;
    if (t.dtype === 'I64') {
      const ints = new BigInt64Array(t.bytes.buffer, t.bytes.byteOffset, t.bytes.length / 8);
      out[meta.name] = meta.type === 'int64' ? new ort.Tensor('int64', ints, t.shape) : new ort.Tensor('float32', Float32Array.from(ints, Number), t.shape);
      continue;
    }
    let data = toFloat32(t);
    let dims = t.shape;
    if (meta.name === 'timestep' && dims.length === 0) {
      data = new Float32Array(2).fill(data[0]!);
      dims = [2];
    }
    out[meta.name] = meta.type === 'float16' ? new ort.Tensor('float16', float32ToHalf(data), dims) : new ort.Tensor('float32', data, dims);
  }
  return out;
}

/** A float32 view of an output (float16 outputs converted). */
export function values(t: ort.Tensor): Float32Array {
  if (t.type === 'float32') return t.data as Float32Array;
  return toFloat32({ dtype: 'F16', shape: [...t.dims], bytes: new Uint8Array((t.data as Uint16Array).buffer) });
}
