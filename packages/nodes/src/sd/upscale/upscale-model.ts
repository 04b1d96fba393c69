/**
 * Running an ESRGAN-style ONNX upscaler (BasicSR RRDBNet exports, as ComfyUI's models/upscale_models
 * hold): one image input [B,3,H,W] in 0..1, one output [B,3,sH,sW]. Names and precision are read from
 * the session (exports call them `image`, `input`, `x`...), never assumed.
 */
import type * as ort from 'onnxruntime-node';
import { LoomError } from '@loom/engine';
import { floatTensor, readFloats } from '../../runtime/tensors.ts';
import type { TileRunner } from './tiled-upscale.ts';

export function tileRunner(session: ort.InferenceSession, path: string): TileRunner {
  const input = session.inputMetadata[0];
  const output = session.outputNames[0];
  if (!input || !input.isTensor || session.inputNames.length !== 1 || output === undefined) {
    throw new LoomError(
      'UNSUPPORTED_MODEL',
      `${path} should have one image input and an image output (inputs: ${session.inputNames.join(', ')}); it does not look like an ESRGAN-style upscaler.`,
    );
  }
  if (input.shape.length !== 4)
    throw new LoomError('UNSUPPORTED_MODEL', `${path}: input "${input.name}" has rank ${input.shape.length}, expected [batch, 3, height, width].`);
  return async (tile, th, tw) => {
    const result = await session.run({ [input.name]: floatTensor(input.type, tile, [1, 3, th, tw]) });
    return readFloats(result[output] as ort.Tensor);
  };
}
