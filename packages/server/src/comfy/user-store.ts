/**
 * ComfyUI's per-user storage (app/user_manager.py, app/app_settings.py) for the single default user:
 * files under `<dataDir>/user/default/` (workflows, frontend settings, templates the frontend saves) and
 * the settings object in `comfy.settings.json` there. Every path the client names is checked: no `..`,
 * no absolute path, no NUL, and after resolving symlinks still inside the user folder.
 */
import { mkdir, readFile, readdir, realpath, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { HttpError } from '../http/http-error.ts';
import { folderInside } from '../http/safe-path.ts';
import { writeFileAtomic } from '../store/atomic-write.ts';

const SETTINGS_FILE = 'comfy.settings.json';

export interface UserFileInfo {
  path: string;
  size: number;
  modified: number;
}

export class UserStore {
  constructor(readonly root: string) {}

  /** The absolute path of a client-named file inside the user folder (400/403 for unsafe names). */
  async pathOf(file: string): Promise<string> {
    if (file === '' || file.endsWith('/')) throw new HttpError(400, 'invalid_path', 'A file path is required.');
    const path = folderInside(this.root, file);
    await mkdir(this.root, { recursive: true });
    // The nearest existing ancestor must resolve inside the root, so a symlinked folder cannot lead out.
    let probe = path;
    for (;;) {
      const real = await realpath(probe).catch(() => undefined);
      if (real !== undefined) {
        const rel = relative(await realpath(this.root), real);
        if (rel.startsWith(`..${sep}`) || rel === '..') throw new HttpError(403, 'forbidden_path', 'The path resolves outside the user folder.');
        return path;
      }
      probe = dirname(probe);
    }
  }

  /** Files under `dir`, relative to it with `/` separators (ComfyUI's GET /userdata). */
  async list(dir: string, recurse: boolean): Promise<UserFileInfo[] | undefined> {
    const base = await this.pathOf(dir);
    if (
      !(await stat(base).then(
        (s) => s.isDirectory(),
        () => false,
      ))
    )
      return undefined;
    const found: UserFileInfo[] = [];
    const walk = async (folder: string): Promise<void> => {
      for (const entry of await readdir(folder, { withFileTypes: true })) {
        const full = join(folder, entry.name);
        if (entry.isDirectory() && recurse) await walk(full);
        else if (entry.isFile()) {
          const info = await stat(full);
          found.push({ path: relative(base, full).split(sep).join('/'), size: info.size, modified: info.mtimeMs / 1000 });
        }
      }
    };
    await walk(base);
    return found.sort((a, b) => a.path.localeCompare(b.path));
  }

  async read(file: string): Promise<Buffer> {
    const path = await this.pathOf(file);
    return readFile(path).catch(() => {
      throw new HttpError(404, 'not_found', `No user file "${file}".`);
    });
  }

  /** Writes `data`; false if the file exists and `overwrite` is off (409 in ComfyUI). */
  async write(file: string, data: Uint8Array, overwrite: boolean): Promise<boolean> {
    const path = await this.pathOf(file);
    if (!overwrite && (await exists(path))) return false;
    await mkdir(dirname(path), { recursive: true });
    await writeFileAtomic(path, data);
    return true;
  }

  async remove(file: string): Promise<void> {
    const path = await this.pathOf(file);
    if (!(await exists(path))) throw new HttpError(404, 'not_found', `No user file "${file}".`);
    await rm(path);
  }

  /** Moves `from` to `to`; false if `to` exists and `overwrite` is off. */
  async move(from: string, to: string, overwrite: boolean): Promise<boolean> {
    const [source, target] = await Promise.all([this.pathOf(from), this.pathOf(to)]);
    if (!(await exists(source))) throw new HttpError(404, 'not_found', `No user file "${from}".`);
    if (!overwrite && (await exists(target))) return false;
    await mkdir(dirname(target), { recursive: true });
    await rename(source, target);
    return true;
  }

  /** The path ComfyUI reports back: relative to the user folder, `/`-separated. */
  relative(path: string): string {
    return relative(resolve(this.root), path).split(sep).join('/');
  }

  async info(file: string): Promise<UserFileInfo> {
    const path = await this.pathOf(file);
    const s = await stat(path);
    return { path: file, size: s.size, modified: s.mtimeMs / 1000 };
  }

  async settings(): Promise<Record<string, unknown>> {
    const text = await readFile(join(this.root, SETTINGS_FILE), 'utf8').catch(() => '{}');
    try {
      const parsed: unknown = JSON.parse(text);
      return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
    } catch {
      return {};
    }
  }

  /** Merges `values` into the stored settings (ComfyUI's POST /settings and /settings/{id}). */
  async updateSettings(values: Record<string, unknown>): Promise<void> {
    const merged = { ...(await this.settings()), ...values };
    await mkdir(this.root, { recursive: true });
    await writeFileAtomic(join(this.root, SETTINGS_FILE), JSON.stringify(merged, null, 4));
  }
}

const exists = (path: string): Promise<boolean> =>
  stat(path).then(
    () => true,
    () => false,
  );
