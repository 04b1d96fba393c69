/** CLIPSetLastLayer: ComfyUI's CLIP skip, as a node that sets it on the CLIP handle for every encoder downstream. */
import { z } from 'zod';
import { defineNode, param } from '@loom/engine';
import { CLIP } from '../ports.ts';

export const clipSetLastLayerNode = () =>
  defineNode({
    type: 'CLIPSetLastLayer',
    category: 'conditioning',
    description:
      'CLIP skip as ComfyUI sets it: -1 conditions on the last text-encoder layer, -2 on the penultimate (A1111 "Clip skip 2"), … with the final layer norm applied after skipping. SDXL already uses the penultimate layer; values below -2 move it further back. CLIPTextEncode and TextEncoder downstream use it (TextEncoder\'s own clipSkip wins when set above 1).',
    inputs: { clip: { type: CLIP } },
    params: { stopAtClipLayer: param(z.number().int().min(-24).max(-1).default(-1), 'The last CLIP layer to use: -1 last, -2 penultimate, …') },
    outputs: { clip: CLIP },
    run: ({ clip }, { stopAtClipLayer }) => ({ clip: { ...clip, skip: -stopAtClipLayer } }),
  });
