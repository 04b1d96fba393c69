/**
 * Seeded random UNet inputs shaped from `session.inputMetadata` (names and dtypes differ between
 * exporters: Optimum `UNetOnnxConfig`, diffusers convert_stable_diffusion_checkpoint_to_onnx.py), with symbolic dims filled in: batch, latent height/width, 77 tokens.
 */
import * as ort from 'onnxruntime-node';

/** Builds one set of inputs for `session`; `latent` is the latent side (8 for tiny, 64 for 512²). */
export function unetInputs(session: ort.InferenceSession, batch: number, latent: number): Record<string, ort.Tensor> {
  let seed = 1234;
  const rand = (): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31; // LCG: any fixed numbers will do for timing
    return seed / 2 ** 31 - 0.5;
  };
  const feeds: Record<string, ort.Tensor> = {};
  for (const meta of session.inputMetadata) {
    if (!meta.isTensor) continue;
    const dims = meta.shape.map((d, i) => {
      if (typeof d === 'number' && d > 0) return d;
      if (i === 0) return batch;
      if (meta.name === 'sample') return latent;
      return 77; // sequence length
    });
    const n = dims.reduce((a, b) => a * b, 1);
    if (meta.name === 'timestep') {
      feeds[meta.name] =
        meta.type === 'int64'
          ? new ort.Tensor(
              'int64',
              BigInt64Array.from({ length: n }, () => 500n),
              dims,
            )
          : new ort.Tensor('float32', new Float32Array(n).fill(500), dims);
    } else if (meta.type === 'float32') {
      feeds[meta.name] = new ort.Tensor('float32', Float32Array.from({ length: n }, rand), dims);
    } else {
      throw new Error(`unexpected UNet input ${meta.name} of type ${meta.type}`);
    }
  }
  return feeds;
}
