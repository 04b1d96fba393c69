/**
 * The embeddings one prompt uses, and the feeds that write them into a window: for a window with embedding
 * slots, the text encoder runs as its derived embeds model (embeds-model.ts, LoRA-patched like the plain one)
 * with `inputs_embeds` holding the vectors at their slots and `inputs_embeds_mask` marking them. Windows
 * without embeddings, and prompts without any, run the plain model: their numbers never change.
 */
import * as ort from 'onnxruntime-node';
import type { NodeContext } from '@loom/engine';
import type { ClipHandle, UsedEmbedding } from '../../ports.ts';
import type { NodePackConfig } from '../../pack-config.ts';
import { cacheRootFor } from '../../weights/cache/built-pipeline.ts';
import { floatTensor } from '../../runtime/tensors.ts';
import type { PromptChunk } from '../prompt/index.ts';
import { openModel, type ModelRunner } from '../model-session.ts';
import type { EmbeddingFile } from './embedding-file.ts';
import { encoderPart, vectorsFor } from './embedding-vectors.ts';
import { EMBEDS_INPUT, EMBEDS_MASK_INPUT, embedsModelPath } from './embeds-model.ts';

/** The model and extra feeds for one window with embeddings. */
export interface WindowEmbeds {
  runner: ModelRunner;
  feeds: Record<string, ort.Tensor>;
}

const COMPONENTS = ['text_encoder', 'text_encoder_2'] as const;

/** See the module doc. `files` are the prompt's embeddings by the name the prompt uses. */
export class PromptEmbeddings {
  private readonly runners = new Map<number, Promise<ModelRunner>>();
  private readonly usedNames = new Set<string>();

  constructor(
    readonly files: ReadonlyMap<string, EmbeddingFile>,
    private readonly clip: ClipHandle,
    private readonly config: NodePackConfig,
    private readonly ctx: NodeContext,
  ) {}

  /** Vector counts by name, for the tokenizers. */
  rows(): Map<string, number> {
    return new Map([...this.files].map(([name, f]) => [name, f.rows]));
  }

  /** The embeddings written so far, in first-use order. */
  used(): UsedEmbedding[] {
    return [...this.usedNames].map((name) => ({ name, hash: this.files.get(name)!.shortHash }));
  }

  private runner(encoder: ModelRunner, e: number): Promise<ModelRunner> {
    let runner = this.runners.get(e);
    if (!runner) {
      const cacheRoot = cacheRootFor(this.config.modelsDir, this.config.builtCacheDir);
      runner = embedsModelPath(encoder.path, cacheRoot).then((path) =>
        openModel(path, COMPONENTS[e] ?? 'text_encoder', this.clip.loras, this.config, this.ctx),
      );
      this.runners.set(e, runner);
    }
    return runner;
  }

  /** The feeds of encoder `e` (runner `encoder`) for `chunk`, or undefined when the window has no embedding. */
  async forWindow(encoder: ModelRunner, e: number, chunk: PromptChunk): Promise<WindowEmbeds | undefined> {
    if (!chunk.embeddings?.length) return undefined;
    const runner = await this.runner(encoder, e);
    const meta = runner.session.inputMetadata.find((m) => m.name === EMBEDS_INPUT);
    const width = Number(meta && 'shape' in meta ? meta.shape[2] : 0);
    const type = meta && 'type' in meta ? meta.type : 'float32';
    const length = chunk.ids.length;
    const embeds = new Float32Array(length * width);
    const mask = new Uint8Array(length);
    const part = encoderPart(this.clip.pipeline.family, e);
    for (const slot of chunk.embeddings) {
      const file = this.files.get(slot.name)!;
      const vectors = vectorsFor(file, part, width, `${COMPONENTS[e] ?? 'text_encoder'} of ${this.clip.pipeline.dir}`);
      const from = (slot.from ?? 0) * width;
      embeds.set(vectors.subarray(from, from + slot.rows * width), slot.start * width);
      mask.fill(1, slot.start, slot.start + slot.rows);
      this.usedNames.add(slot.name);
    }
    return {
      runner,
      feeds: { [EMBEDS_INPUT]: floatTensor(type, embeds, [1, length, width]), [EMBEDS_MASK_INPUT]: new ort.Tensor('bool', mask, [1, length, 1]) },
    };
  }
}
