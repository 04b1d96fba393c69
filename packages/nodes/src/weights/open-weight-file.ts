/** Opens any weight file Loom reads, by extension: `.safetensors`, or a PyTorch pickle. */
import { extname } from 'node:path';
import { LoomError } from '@loom/engine';
import { openPickleSource } from './pickle-source.ts';
import { openSafetensorsSource } from './safetensors-source.ts';
import type { WeightSource } from './weight-source.ts';

/** Extensions of PyTorch pickle checkpoints (`torch.save` output). */
const PICKLE_EXTENSIONS = ['.ckpt', '.pt', '.pth', '.bin', '.pkl'] as const;
/** Every weight-file extension Loom reads. */
export const WEIGHT_EXTENSIONS = ['.safetensors', ...PICKLE_EXTENSIONS] as const;

/** Opens `path` as a lazily read {@link WeightSource}. */
export async function openWeightFile(path: string): Promise<WeightSource> {
  const ext = extname(path).toLowerCase();
  if (ext === '.safetensors') return openSafetensorsSource(path);
  if ((PICKLE_EXTENSIONS as readonly string[]).includes(ext)) return openPickleSource(path);
  throw new LoomError('UNSUPPORTED_MODEL', `${path}: Loom reads weights from ${WEIGHT_EXTENSIONS.join(', ')} files, not "${ext || 'no extension'}".`);
}
