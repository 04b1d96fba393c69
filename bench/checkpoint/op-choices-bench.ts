/**
 * The graph builder's op choices, measured where they matter most: one SD1.5 Transformer2D block at
 * real size (320 channels, a 64×64 latent = 4,096 tokens, 8 heads, 77×768 text states, batch 2 for
 * CFG), the block whose self-attention dominates a UNet step at 512 px. Random weights, no files.
 *   attention — com.microsoft.MultiHeadAttention vs MatMul/Softmax/MatMul (what torch.onnx.export emits).
 * Both graphs open with Loom's CPU session options and run interleaved A B B A; ratio of medians.
 * GELU and GroupNorm are not compared: the builder emits the ops onnxruntime's own fusions produce
 * from the exported patterns (Gelu from the erf form, InstanceNormalization from torch's GroupNorm).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { Elem, GraphBuilder } from '../../packages/nodes/src/builder/graph.ts';
import { transformer2d } from '../../packages/nodes/src/builder/blocks.ts';
import type { AttentionKind } from '../../packages/nodes/src/builder/layers.ts';
import { ModuleWeights } from '../../packages/nodes/src/builder/module-weights.ts';
import { writeModel } from '../../packages/nodes/src/builder/write-model.ts';
import { sessionOptions } from '../../packages/nodes/src/runtime/session.ts';
import { abba, median, writeResult } from '../lib/report.ts';
import { uniform } from '../throughput/matmul-peak.ts';
import { timeRun } from '../throughput/unet-step.ts';
import { randomSource } from './random-source.ts';

const C = 320;
const CROSS = 768;
const LATENT = Number(process.env.LOOM_BENCH_LATENT ?? 64);
const ROUNDS = Number(process.env.LOOM_BENCH_ROUNDS ?? 3);

function shapes(): Record<string, number[]> {
  const s: Record<string, number[]> = {};
  const vec = (n: string, d = C): void => void (s[n] = [d]);
  const m = 'block';
  for (const n of ['norm', 'transformer_blocks.0.norm1', 'transformer_blocks.0.norm2', 'transformer_blocks.0.norm3']) {
    vec(`${m}.${n}.weight`);
    vec(`${m}.${n}.bias`);
  }
  for (const p of ['proj_in', 'proj_out']) {
    s[`${m}.${p}.weight`] = [C, C, 1, 1];
    vec(`${m}.${p}.bias`);
  }
  for (const a of ['attn1', 'attn2']) {
    const t = `${m}.transformer_blocks.0.${a}`;
    s[`${t}.to_q.weight`] = [C, C];
    s[`${t}.to_k.weight`] = [C, a === 'attn1' ? C : CROSS];
    s[`${t}.to_v.weight`] = [C, a === 'attn1' ? C : CROSS];
    s[`${t}.to_out.0.weight`] = [C, C];
    vec(`${t}.to_out.0.bias`);
  }
  s[`${m}.transformer_blocks.0.ff.net.0.proj.weight`] = [8 * C, C];
  vec(`${m}.transformer_blocks.0.ff.net.0.proj.bias`, 8 * C);
  s[`${m}.transformer_blocks.0.ff.net.2.weight`] = [C, 4 * C];
  vec(`${m}.transformer_blocks.0.ff.net.2.bias`);
  return s;
}

async function open(attention: AttentionKind, dir: string): Promise<ort.InferenceSession> {
  const g = new GraphBuilder(Elem.FLOAT);
  const w = new ModuleWeights(randomSource(shapes()), 'unet');
  const x = g.input('x', Elem.FLOAT, [2, C, LATENT, LATENT]);
  const context = g.input('context', Elem.FLOAT, [2, 77, CROSS]);
  g.output(transformer2d({ g, w, groups: 32, attention }, x, 'block', 8, 1, context, false), 'y', Elem.FLOAT, [2, C, LATENT, LATENT]);
  const path = await writeModel(g, join(dir, attention));
  return ort.InferenceSession.create(path, sessionOptions('cpu', 2));
}

const dir = mkdtempSync(join(tmpdir(), 'loom-op-choices-'));
try {
  const feeds = {
    x: new ort.Tensor('float32', uniform(2 * C * LATENT * LATENT, 3), [2, C, LATENT, LATENT]),
    context: new ort.Tensor('float32', uniform(2 * 77 * CROSS, 4), [2, 77, CROSS]),
  };
  const mha = await open('mha', dir);
  const plain = await open('matmul', dir);
  await timeRun(mha, feeds);
  await timeRun(plain, feeds);
  const t = await abba(
    () => timeRun(mha, feeds),
    () => timeRun(plain, feeds),
    ROUNDS,
  );
  const a = median(t.a);
  const b = median(t.b);
  console.log(`mha ${t.a.map((v) => v.toFixed(3)).join(' ')} | matmul ${t.b.map((v) => v.toFixed(3)).join(' ')}`);
  writeResult('checkpoint-op-choices', `Graph builder op choices (SD1.5 Transformer2D, ${LATENT}×${LATENT} latent, batch 2, 2 threads)`, [
    {
      metric: 'Transformer2D block, MultiHeadAttention',
      value: a * 1000,
      unit: 'ms',
      baseline: { name: 'MatMul/Softmax attention', value: b * 1000 },
      goal: { text: '≤ 1.0× MatMul/Softmax', met: a <= b },
      note: `A B B A × ${ROUNDS}, medians`,
    },
  ]);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
