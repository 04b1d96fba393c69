/** Reading a prompt library file (either format), cached by path, size and mtime. */
import { readFile } from 'node:fs/promises';
import { LoomError, type ObjectCache } from '@loom/engine';
import { fileStamp } from '../../model-files.ts';
import { parsePromptLibrary, type PromptLibrary } from './schema.ts';

export async function loadPromptLibrary(path: string, objects?: ObjectCache): Promise<PromptLibrary> {
  const read = async (): Promise<PromptLibrary> => {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      throw new LoomError(
        'MODEL_NOT_FOUND',
        `Cannot read the prompt library ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}.`,
        { cause: err },
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new LoomError('BAD_FILE', `${path} is not valid JSON: ${(err as Error).message}`, { cause: err });
    }
    return parsePromptLibrary(json, path);
  };
  if (!objects) return read();
  return objects.getOrCreate(`prompt-library|${path}|${await fileStamp(path)}`, async () => ({ value: await read(), bytes: 64 * 1024 }));
}
