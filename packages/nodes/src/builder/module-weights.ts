/**
 * The builder's view of a {@link WeightSource}: shape-checked declarations of the weights a layer
 * needs, in the layout its ONNX op wants, named after the diffusers module path so the LoRA mapping
 * (sd/lora/map-onnx.ts) finds them by name: `<module>.weight` as the right operand of a MatMul
 * (`[in, out]`, pre-transposed so onnxruntime prepacks it) or of a Conv (`[out, in, kh, kw]`).
 */
import { LoomError } from '@loom/engine';
import type { WeightSource } from '../weights/weight-source.ts';
import type { GraphBuilder } from './graph.ts';

/** Shape-checked weight declarations from one source, for one component. */
export class ModuleWeights {
  constructor(
    readonly source: WeightSource,
    /** Component name for messages (`unet`, `text_encoder_2`, …). */
    readonly component: string,
  ) {}

  /** True when the source has `name`. */
  has(name: string): boolean {
    return this.source.info(name) !== undefined;
  }

  /** The shape of `name`; a missing tensor is an error naming the file and the component. */
  shape(name: string): readonly number[] {
    const info = this.source.info(name);
    if (!info) {
      throw new LoomError(
        'UNSUPPORTED_MODEL',
        `${this.source.origin}: the ${this.component} has no tensor "${name}". The weights do not match the architecture its config describes; check that the file is a complete ${this.component} of that model.`,
      );
    }
    return info.shape;
  }

  /** Checks that `name` has `dims` (trailing 1s ignored, so a 1×1 conv weight serves a Linear) and declares it as is. */
  declare(g: GraphBuilder, name: string, dims: readonly number[]): string {
    this.expect(name, dims);
    return g.weight(name, dims, () => this.source.readFloat32(name));
  }

  /** A Linear `[out, in]` weight declared as its transpose `[in, out]` (the MatMul operand). */
  linearWeight(g: GraphBuilder, module: string): { name: string; inF: number; outF: number } {
    const name = `${module}.weight`;
    const shape = this.shape(name);
    const [outF, inF] = shape;
    if (outF === undefined || inF === undefined || shape.slice(2).some((d) => d !== 1)) this.fail(name, shape, '[out, in]');
    g.weight(name, [inF, outF], async () => transpose(await this.source.readFloat32(name), outF, inF));
    return { name, inF, outF };
  }

  /** A Conv weight `[out, in, kh, kw]`. */
  convWeight(g: GraphBuilder, module: string): { name: string; dims: readonly number[] } {
    const name = `${module}.weight`;
    const shape = this.shape(name);
    if (shape.length !== 4) this.fail(name, shape, '[out, in, kh, kw]');
    g.weight(name, shape, () => this.source.readFloat32(name));
    return { name, dims: shape };
  }

  private expect(name: string, dims: readonly number[]): void {
    const shape = this.shape(name);
    const trim = (s: readonly number[]): string => {
      const a = [...s];
      while (a.length > 1 && a[a.length - 1] === 1) a.pop();
      return a.join(',');
    };
    if (trim(shape) !== trim(dims)) this.fail(name, shape, `[${dims.join(', ')}]`);
  }

  private fail(name: string, shape: readonly number[], wanted: string): never {
    throw new LoomError(
      'UNSUPPORTED_MODEL',
      `${this.source.origin}: tensor "${name}" of the ${this.component} has shape [${shape.join(', ')}], expected ${wanted}. The config does not describe these weights; check the model's config.json (or .yaml).`,
    );
  }
}

/** Row-major `[rows, cols]` → `[cols, rows]`. */
export function transpose(w: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(w.length);
  // blocked so both reads and writes stay in cache for the 1280×5120 matrices of a UNet
  const B = 64;
  for (let r0 = 0; r0 < rows; r0 += B) {
    for (let c0 = 0; c0 < cols; c0 += B) {
      const r1 = Math.min(r0 + B, rows);
      const c1 = Math.min(c0 + B, cols);
      for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) out[c * rows + r] = w[r * cols + c]!;
    }
  }
  return out;
}
