/** Reading an image file the graph names from the input folder, with the node's `image` input named on failure. */
import { readFile } from 'node:fs/promises';
import { atInput, LoomError } from '@loom/engine';
import { fileStamp, resolveInside } from '../model-files.ts';

export function readInputImage(inputDir: string, image: string): Promise<{ path: string; bytes: Buffer }> {
  return atInput('image', async () => {
    const path = await resolveInside(inputDir, image, 'Image');
    const bytes = await readFile(path).catch((err: NodeJS.ErrnoException) => {
      throw new LoomError(
        err.code === 'ENOENT' ? 'MODEL_NOT_FOUND' : 'BAD_FILE',
        `Cannot read image ${path}: ${err.code === 'ENOENT' ? 'no such file' : err.message}.`,
        { cause: err },
      );
    });
    return { path, bytes };
  });
}

/** The cache fingerprint of an input image: its size and mtime. */
export const inputImageStamp =
  (inputDir: string) =>
  async ({ image }: { image?: string }): Promise<string> =>
    image === undefined ? '' : fileStamp(await resolveInside(inputDir, image, 'Image').catch(() => ''));
