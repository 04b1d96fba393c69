/**
 * The built-model cache for standalone VAE files (see built-pipeline.ts for the rules): the file
 * becomes `<cacheRoot>/built/vae-<content hash>-<builder version>/{vae_decoder,vae_encoder}/`, built once
 * and opened directly afterwards. The key hashes the weight file and the config beside it, if any.
 */
import { createHash } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { BUILDER_VERSION, buildVaeDecoder, buildVaeEncoder, writeModel } from '../../builder/index.ts';
import { loadStandaloneVae } from '../standalone-vae.ts';
import { HashMemo } from './content-hash.ts';
import { isComplete } from './built-pipeline.ts';

/** A built VAE: its two ONNX models and the latent scale factor of its config. */
export interface BuiltVae {
  readonly dir: string;
  readonly decoder: string;
  readonly encoder: string;
  readonly scalingFactor: number;
}

const readScale = (config: Record<string, unknown>): number => (typeof config.scaling_factor === 'number' ? config.scaling_factor : 0.18215);

/** The built folders for the VAE file at `path`, building them first when the cache lacks them. */
export async function ensureBuiltVae(path: string, options: { cacheRoot: string; signal?: AbortSignal }): Promise<BuiltVae> {
  // the header or pickle first (milliseconds): a damaged or foreign file is refused before it is hashed
  const vae = await loadStandaloneVae(path);
  let tmp: string | undefined;
  try {
    const memo = await HashMemo.open(join(options.cacheRoot, 'hashes.json'));
    const lines = [`vae ${await memo.hash(path, undefined, options.signal)}`];
    for (const file of vae.companions) lines.push(`${basename(file)} ${await memo.hash(file, undefined, options.signal)}`);
    await memo.save();
    const key = createHash('sha256')
      .update(`loom-built-vae ${BUILDER_VERSION}\n${lines.join('\n')}`)
      .digest('hex');
    const dir = join(options.cacheRoot, 'built', `vae-${key.slice(0, 24)}-${BUILDER_VERSION}`);
    const built = {
      dir,
      decoder: join(dir, 'vae_decoder', 'model.onnx'),
      encoder: join(dir, 'vae_encoder', 'model.onnx'),
      scalingFactor: readScale(vae.config),
    };
    if (await isComplete(dir, key)) return built;
    tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
    const write = options.signal ? { signal: options.signal } : {};
    for (const [folder, graph] of [
      ['vae_decoder', buildVaeDecoder(vae.config, vae.weights)],
      ['vae_encoder', buildVaeEncoder(vae.config, vae.weights)],
    ] as const) {
      await writeModel(graph, join(tmp, folder), write);
      await writeFile(join(tmp, folder, 'config.json'), `${JSON.stringify(vae.config, null, 2)}\n`);
    }
    await writeFile(join(tmp, 'loom-build.json'), `${JSON.stringify({ builderVersion: BUILDER_VERSION, key, source: path, kind: 'vae' }, null, 2)}\n`);
    if (!(await isComplete(dir, key))) {
      await rm(dir, { recursive: true, force: true });
      await mkdir(join(options.cacheRoot, 'built'), { recursive: true });
      await rename(tmp, dir).catch(async (err: unknown) => {
        if (!(await isComplete(dir, key))) throw err;
      });
    }
    return built;
  } finally {
    if (tmp) await rm(tmp, { recursive: true, force: true });
    await vae.weights.close();
  }
}
