/**
 * An ONNX model file held as a decoded ModelProto, with the ability to re-encode it with nodes,
 * inputs or initializers changed, without touching (or loading) the external weight files.
 *
 * Why this shape: a Stable Diffusion UNet export is a 1–7 MB `model.onnx` plus a multi-GB external
 * file. Adding LoRA branches or quantizing weights only needs the graph and the touched tensors;
 * onnxruntime reads the rest from the original files when the session is given the model's folder
 * (`session.model_external_initializers_file_folder_path`, onnxruntime_session_options_config_keys.h; verified by the external-data tests).
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { InferenceSession } from 'onnxruntime-node';
import { decodeModel, encodeModel, type ModelProto, type NodeProto, type TensorProto, type ValueInfoProto } from './onnx-schema.ts';
import { ExternalReader, externalLocation, readTensorFloat32 } from './tensor-data.ts';
import { LoomError } from '@loom/engine';

/** Options for {@link OnnxModel.encode}. */
export interface EncodeOptions {
  /** A replacement node list (topologically sorted), e.g. with added branches. */
  readonly nodes?: readonly NodeProto[];
  /** More graph inputs to declare. */
  readonly addInputs?: readonly ValueInfoProto[];
  /** A replacement initializer list, e.g. with quantized weights. */
  readonly initializers?: readonly TensorProto[];
  /** A replacement opset list, e.g. with an added contrib-op domain. */
  readonly opsetImport?: ModelProto['opsetImport'];
}

/** A decoded ONNX model file. The proto is shared: treat it as read-only. */
export class OnnxModel {
  private readonly byName: ReadonlyMap<string, TensorProto>;

  private constructor(
    /** Absolute path of the `.onnx` file. */
    readonly path: string,
    /** The decoded ModelProto (raw_data fields are views into the file bytes). */
    readonly proto: ModelProto,
  ) {
    this.byName = new Map(proto.graph.initializer.map((t) => [t.name, t]));
  }

  /** Reads and decodes `path`. External weight files are not opened. */
  static async load(path: string): Promise<OnnxModel> {
    const abs = resolve(path);
    let bytes: Buffer;
    try {
      bytes = await readFile(abs);
    } catch (cause) {
      throw new LoomError(
        (cause as NodeJS.ErrnoException).code === 'ENOENT' ? 'MODEL_NOT_FOUND' : 'BAD_FILE',
        `cannot read ONNX model ${abs}: ${(cause as Error).message}`,
        { cause },
      );
    }
    try {
      return new OnnxModel(abs, decodeModel(bytes));
    } catch (cause) {
      throw new LoomError('BAD_FILE', `${abs} is not a valid ONNX model: ${(cause as Error).message}`, { cause });
    }
  }

  /** The folder external data locations are relative to. */
  get dir(): string {
    return dirname(this.path);
  }

  /** The initializer called `name`, if any. */
  initializer(name: string): TensorProto | undefined {
    return this.byName.get(name);
  }

  /** True when at least one initializer lives in an external file. */
  get hasExternalData(): boolean {
    return this.proto.graph.initializer.some((t) => externalLocation(t, this.dir) !== undefined);
  }

  /** Reads the named FLOAT/FLOAT16 initializers as float32, reading only their byte ranges. */
  async readFloat32(names: Iterable<string>): Promise<Map<string, Float32Array>> {
    const reader = new ExternalReader();
    const out = new Map<string, Float32Array>();
    try {
      for (const name of names) {
        const t = this.byName.get(name);
        if (!t) throw new LoomError('UNSUPPORTED_MODEL', `${this.path}: no initializer named "${name}"`);
        out.set(name, await readTensorFloat32(t, this.dir, reader));
      }
    } finally {
      await reader.close();
    }
    return out;
  }

  /**
   * Encodes the model with the given replacements and additions; the shared proto is left as it
   * was. Untouched external initializers keep pointing at their original files.
   */
  encode(options: EncodeOptions = {}): Uint8Array {
    const graph = this.proto.graph;
    const { initializer, input, node } = graph;
    const opsetImport = this.proto.opsetImport;
    try {
      if (options.initializers) graph.initializer = [...options.initializers];
      if (options.opsetImport) this.proto.opsetImport = [...options.opsetImport];
      if (options.nodes) graph.node = [...options.nodes];
      if (options.addInputs) graph.input = [...graph.input, ...options.addInputs];
      return encodeModel(this.proto);
    } finally {
      graph.initializer = initializer;
      graph.input = input;
      graph.node = node;
      this.proto.opsetImport = opsetImport;
    }
  }

  /**
   * Session options that let onnxruntime load an in-memory encoding of this model: external files
   * are looked up in the model's own folder instead of the process working directory.
   */
  sessionOptions(): InferenceSession.SessionOptions {
    if (!this.hasExternalData) return {};
    return { extra: { session: { model_external_initializers_file_folder_path: this.dir } } };
  }
}
