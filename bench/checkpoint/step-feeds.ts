/** SD1.5 UNet feeds for one CFG step, with the timestep in whatever type the graph declares (int64 export, float32 built). */
import * as ort from 'onnxruntime-node';
import { unetFeeds } from '../throughput/unet-step.ts';

/** {@link unetFeeds} with `timestep` converted to the session's declared type. */
export function stepFeeds(session: ort.InferenceSession, latent: number): Record<string, ort.Tensor> {
  const feeds = unetFeeds(session, latent);
  const meta = session.inputMetadata.find((m) => m.name === 'timestep');
  if (meta?.isTensor && meta.type === 'float32') feeds.timestep = new ort.Tensor('float32', new Float32Array([500, 500]), [2]);
  return feeds;
}
