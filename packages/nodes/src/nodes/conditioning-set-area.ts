/** ConditioningSetArea: limits a prompt to a rectangle of the image (ComfyUI's Conditioning (Set Area)). */
import { z } from 'zod';
import { defineNode, param } from '@loom/engine';
import { CONDITIONING } from '../ports.ts';
import { withFields } from '../sd/conditioning/ops.ts';

const pixels = (what: string, min: number, fallback: number) =>
  param(z.int().min(min).max(16384).default(fallback), `${what} in image pixels (floored to a multiple of 8)`);

export const conditioningSetAreaNode = () =>
  defineNode({
    type: 'ConditioningSetArea',
    category: 'conditioning',
    description:
      "ComfyUI's Conditioning (Set Area): every entry applies only inside the rectangle (stored in latent units, pixels // 8) with the given strength, blended in over a ramp of up to 8 latent rows/columns on its inner edges; the other side gets the same area too, as in ComfyUI. Combine it with a whole-image prompt (where no entry of a side applies, that side's estimate is 0, as in ComfyUI); KSampler honours areas, UNetSampler ignores them with a warning.",
    inputs: { conditioning: { type: CONDITIONING } },
    params: {
      width: pixels('Width', 64, 64),
      height: pixels('Height', 64, 64),
      x: pixels('Left edge', 0, 0),
      y: pixels('Top edge', 0, 0),
      strength: param(z.number().min(0).max(10).default(1), 'Weight of this prompt inside its area'),
    },
    outputs: { conditioning: CONDITIONING },
    run: ({ conditioning }, { width, height, x, y, strength }) => ({
      conditioning: withFields(conditioning, {
        area: { x: Math.floor(x / 8), y: Math.floor(y / 8), width: Math.floor(width / 8), height: Math.floor(height / 8) },
        strength,
      }),
    }),
  });
