/**
 * The folders the server lists and serves: models (folders with `model_index.json` at the top of the
 * models dir, as diffusers and Optimum lay them out, and single-file checkpoints in `checkpoints/`),
 * `loras/`, `upscale_models/`, and the input and output folders. File widgets (`{ file: 'loras' }`)
 * are filled from here.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { listModels } from '@loom/nodes';

export interface Folders {
  modelsDir: string;
  inputDir: string;
  outputDir: string;
  tempDir: string;
}

const MAX_ENTRIES = 10_000;
const MAX_DEPTH = 4;

export class ModelFolders {
  constructor(readonly dirs: Folders) {}

  /** Top-level folders of the models dir that hold a diffusers `model_index.json`, and `checkpoints/` files. */
  async pipelines(): Promise<string[]> {
    return listModels(this.dirs.modelsDir);
  }

  /**
   * Files for a widget's folder name: `input`/`output`/`temp` are those folders, `pipelines` and
   * `checkpoints` the models a ModelLoader can name, anything else a subfolder of the models dir. Paths use `/`.
   */
  async list(folder: string): Promise<string[]> {
    if (folder === 'pipelines' || folder === 'checkpoints') return this.pipelines();
    const root = this.rootOf(folder);
    return root === null ? [] : listFiles(root);
  }

  /** The folder on disk for a widget folder name, or null for names that could escape the models dir. */
  rootOf(folder: string): string | null {
    if (folder === 'input') return this.dirs.inputDir;
    if (folder === 'output') return this.dirs.outputDir;
    if (folder === 'temp') return this.dirs.tempDir;
    if (!/^[A-Za-z0-9_-]+$/.test(folder)) return null;
    return join(this.dirs.modelsDir, folder);
  }
}

/** Regular files under `root` (relative, `/`-separated, sorted), skipping dot-files, bounded in size. */
export async function listFiles(root: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string, prefix: string, depth: number): Promise<void> => {
    for (const entry of await readdirSafe(dir)) {
      if (found.length >= MAX_ENTRIES || entry.name.startsWith('.')) continue;
      const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isDirectory() && depth < MAX_DEPTH) await walk(join(dir, entry.name), rel, depth + 1);
      else if (entry.isFile()) found.push(rel);
    }
  };
  await walk(root, '', 0);
  return found.sort();
}

async function readdirSafe(dir: string) {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}
