/**
 * KSampler with ComfyUI's multi-entry conditioning through the real tiny UNet, as a ComfyUI API prompt: an area
 * prompt changes the picture inside its area only (exactly, after one step), and a timestep-range split is the same
 * as switching prompts between two KSamplerAdvanced runs. The numbers themselves are checked against torch in
 * packages/nodes/src/sd/k-sampling/conditioning.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { importComfyPrompt } from '@loom/engine';
import type { Latent } from '@loom/nodes';
import { tinyHost } from './harness.ts';

type Prompt = Record<string, { class_type: string; inputs: Record<string, unknown> }>;

function basePrompt(sampler: Record<string, unknown>): Prompt {
  return {
    ckpt: { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'tiny-sd15' } },
    latent: { class_type: 'EmptyLatentImage', inputs: { width: 128, height: 128, batch_size: 1 } },
    a: { class_type: 'CLIPTextEncode', inputs: { text: 'a lighthouse on a cliff', clip: ['ckpt', 1] } },
    b: { class_type: 'CLIPTextEncode', inputs: { text: 'a red sailing boat, (sunset:1.3)', clip: ['ckpt', 1] } },
    neg: { class_type: 'CLIPTextEncode', inputs: { text: 'blurry', clip: ['ckpt', 1] } },
    sampler: {
      class_type: 'KSampler',
      inputs: {
        seed: 11,
        steps: 6,
        cfg: 5,
        sampler_name: 'euler',
        scheduler: 'normal',
        denoise: 1,
        model: ['ckpt', 0],
        negative: ['neg', 0],
        latent_image: ['latent', 0],
        positive: ['a', 0],
        ...sampler,
      },
    },
  };
}

async function run(prompt: Prompt, node = 'sampler'): Promise<Float32Array> {
  const host = tinyHost();
  const graph = importComfyPrompt(prompt, host.registry, host.comfyMap);
  const result = await host.engine.run(graph, { targets: [node] });
  return (result.outputs.get(node)?.latent as Latent).samples;
}

/** Mean |a − b| over the latent columns in [from, to) of a [1, 4, 16, 16] latent. */
function meanDiff(a: Float32Array, b: Float32Array, from: number, to: number): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    const col = i % 16;
    if (col >= from && col < to) {
      sum += Math.abs(a[i]! - b[i]!);
      n++;
    }
  }
  return sum / n;
}

test('an area prompt (ConditioningSetArea + Combine) changes the latent inside its area: exactly only there after one step', async () => {
  const withArea = (sampler: Record<string, unknown>): Prompt => ({
    ...basePrompt({ ...sampler, positive: ['both', 0] }),
    area: { class_type: 'ConditioningSetArea', inputs: { conditioning: ['b', 0], width: 64, height: 128, x: 0, y: 0, strength: 1.5 } },
    both: { class_type: 'ConditioningCombine', inputs: { conditioning_1: ['a', 0], conditioning_2: ['area', 0] } },
  });
  // One euler step returns the denoised estimate: outside the area (columns 8–15) it is the plain prompt's.
  const [plain1, area1] = await Promise.all([run(basePrompt({ steps: 1 })), run(withArea({ steps: 1 }))]);
  assert.ok(meanDiff(plain1, area1, 8, 16) === 0, `outside the area: ${meanDiff(plain1, area1, 8, 16)}`);
  assert.ok(meanDiff(plain1, area1, 0, 8) > 0.01, `inside the area: ${meanDiff(plain1, area1, 0, 8)}`);
  // Over several steps the UNet's receptive field carries a little across the edge; most of the change stays inside.
  const [plain, area] = await Promise.all([run(basePrompt({})), run(withArea({}))]);
  const inside = meanDiff(plain, area, 0, 8);
  const outside = meanDiff(plain, area, 8, 16);
  assert.ok(inside > 3 * outside, `inside ${inside} vs outside ${outside}`);
});

test('ConditioningSetTimestepRange A 0–0.5 + B 0.5–1 equals A for the first half of the steps, then B (two KSamplerAdvanced)', async () => {
  // normal, 6 steps: timesteps 999, 799.2, 599.4 lie above percent 0.5 (timestep 499.5), 399.6 and 199.8 below.
  const split: Prompt = {
    ...basePrompt({ positive: ['both', 0] }),
    first: { class_type: 'ConditioningSetTimestepRange', inputs: { conditioning: ['a', 0], start: 0, end: 0.5 } },
    second: { class_type: 'ConditioningSetTimestepRange', inputs: { conditioning: ['b', 0], start: 0.5, end: 1 } },
    both: { class_type: 'ConditioningCombine', inputs: { conditioning_1: ['first', 0], conditioning_2: ['second', 0] } },
  };
  const common = { noise_seed: 11, steps: 6, cfg: 5, sampler_name: 'euler', scheduler: 'normal', model: ['ckpt', 0], negative: ['neg', 0] };
  const handover: Prompt = {
    ...basePrompt({}),
    head: {
      class_type: 'KSamplerAdvanced',
      inputs: {
        ...common,
        add_noise: 'enable',
        start_at_step: 0,
        end_at_step: 3,
        return_with_leftover_noise: 'enable',
        positive: ['a', 0],
        latent_image: ['latent', 0],
      },
    },
    tail: {
      class_type: 'KSamplerAdvanced',
      inputs: {
        ...common,
        add_noise: 'disable',
        start_at_step: 3,
        end_at_step: 10000,
        return_with_leftover_noise: 'disable',
        positive: ['b', 0],
        latent_image: ['head', 0],
      },
    },
  };
  const [switched, chained, onlyA] = await Promise.all([run(split), run(handover, 'tail'), run(basePrompt({}))]);
  switched.forEach((v, i) => assert.ok(Math.abs(v - chained[i]!) <= 1e-5 * Math.max(1, Math.abs(chained[i]!)), `[${i}] ${v} vs ${chained[i]}`));
  assert.ok(meanDiff(switched, onlyA, 0, 16) > 0.01, 'the second prompt took over');
});
