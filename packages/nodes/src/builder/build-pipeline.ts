/**
 * Builds every component of a model into an Optimum-layout pipeline folder, which the existing
 * loader (sd/pipeline.ts) opens like any export: `model_index.json`, `scheduler/`, `text_encoder/`
 * (+ `text_encoder_2/`), `unet/`, `vae_decoder/`, `vae_encoder/`, each `model.onnx` + `model.onnx_data`
 * + `config.json`; `model_index.json`, the scheduler and the tokenizers come from the one writer of
 * those, weights/cache/pipeline-files.ts.
 *
 * The folder is written under a temporary sibling name and renamed at the end, so an interrupted
 * build never leaves a folder that looks complete.
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { buildTextEncoder } from './clip-text.ts';
import type { ComponentOptions } from './layers.ts';
import type { GraphBuilder } from './graph.ts';
import { buildUnet } from './unet.ts';
import { buildVaeDecoder, buildVaeEncoder } from './vae.ts';
import { weightBytes, writeModel } from './write-model.ts';
import type { ModelComponents } from '../weights/components.ts';
import { writePipelineFiles } from '../weights/cache/pipeline-files.ts';

/** Progress of a build: the component being written and bytes of weights written over all components. */
export type BuildProgress = (p: { component: string; done: number; total: number }) => void;

/** Options of {@link buildPipeline}. */
export interface BuildOptions extends ComponentOptions {
  readonly progress?: BuildProgress;
  readonly signal?: AbortSignal;
  /** Folders with the CLIP tokenizer files (`vocab.json`, `merges.txt`, …), copied as `tokenizer/` and `tokenizer_2/`; Loom's bundled CLIP tokenizers when absent. */
  readonly tokenizers?: { readonly tokenizer?: string; readonly tokenizer2?: string };
}

/** The graphs of a model, by folder name, with the config each folder gets. */
export function buildGraphs(m: ModelComponents, options: ComponentOptions = {}): { folder: string; graph: GraphBuilder; config: object }[] {
  const out = [
    { folder: 'text_encoder', graph: buildTextEncoder(m.textEncoder.config, m.textEncoder.weights, 'text_encoder', options), config: m.textEncoder.config },
    { folder: 'unet', graph: buildUnet(m.unet.config, m.unet.weights, options), config: m.unet.config },
    { folder: 'vae_decoder', graph: buildVaeDecoder(m.vae.config, m.vae.weights, options), config: m.vae.config },
    { folder: 'vae_encoder', graph: buildVaeEncoder(m.vae.config, m.vae.weights, options), config: m.vae.config },
  ];
  if (m.textEncoder2)
    out.splice(1, 0, {
      folder: 'text_encoder_2',
      graph: buildTextEncoder(m.textEncoder2.config, m.textEncoder2.weights, 'text_encoder_2', options),
      config: m.textEncoder2.config,
    });
  return out;
}

/** Writes each component's graph and config into `dir/<folder>/` (model.onnx, model.onnx_data, config.json). */
export async function writeGraphs(m: ModelComponents, dir: string, options: BuildOptions = {}): Promise<void> {
  const graphs = buildGraphs(m, options);
  const total = graphs.reduce((n, x) => n + weightBytes(x.graph), 0);
  let before = 0;
  for (const { folder, graph, config } of graphs) {
    const start = before;
    await writeModel(graph, join(dir, folder), {
      ...(options.signal && { signal: options.signal }),
      progress: (done) => options.progress?.({ component: folder, done: start + done, total }),
    });
    await writeJson(join(dir, folder, 'config.json'), options.fp16 ? { ...config, torch_dtype: 'float16' } : config);
    before += weightBytes(graph);
  }
}

/** Builds `m` into the pipeline folder `outDir` (replacing it); returns `outDir`. */
export async function buildPipeline(m: ModelComponents, outDir: string, options: BuildOptions = {}): Promise<string> {
  const tmp = `${outDir}.partial-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(dirname(outDir), { recursive: true });
  try {
    await writeGraphs(m, tmp, options);
    await writePipelineFiles(tmp, m, { origin: outDir, ...options.tokenizers });
    await rm(outDir, { recursive: true, force: true });
    await rename(tmp, outDir);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
  return outDir;
}

async function writeJson(path: string, value: object): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(value, null, 2)}\n`);
}
