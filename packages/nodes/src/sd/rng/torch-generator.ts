/**
 * A bit-exact re-implementation of `torch.randn(shape, generator=torch.Generator('cpu').manual_seed(seed))`
 * for float32 — what diffusers' `randn_tensor` and A1111 call on the CPU — so a seed gives the same initial
 * latents here as there.
 *
 * ## Algorithm (torch 1.13 … 2.x; sources read: `aten/src/ATen/native/cpu/DistributionTemplates.h`
 * `normal_kernel`/`normal_fill`/`normal_fill_AVX2`, `aten/src/ATen/core/DistributionsHelper.h`
 * `uniform_real_distribution`/`normal_distribution`, `aten/src/ATen/core/TransformationHelper.h`
 * `uniform_real`, `aten/src/ATen/CPUGeneratorImpl.cpp` `random64`)
 * 1. Engine: MT19937 seeded with the low 32 bits of the seed ({@link Mt19937}).
 * 2. A float uniform is `(u32 & 0xffffff) * 2**-24` (one draw); a double uniform takes two draws
 *    `hi, lo`, forms `(hi << 32 | lo) & (2**53 - 1)` and scales by `2**-53`.
 * 3. **numel >= 16** (contiguous float32, every latent): fill the WHOLE buffer with float uniforms first,
 *    then transform each 16-block in place by Box–Muller, pairing element `j` with `j+8`:
 *    `r = sqrt(-2 ln(1 - u[j]))`, `θ = 2π u[j+8]`, `out[j] = r cos θ`, `out[j+8] = r sin θ`.
 *    If numel is not a multiple of 16, the LAST 16 slots are refilled with 16 fresh uniforms and
 *    transformed again (so they overlap the previous block; the tail is not a prefix of a longer draw).
 *    - kernel `'avx2'` (x86-64 CPUs with AVX2, including AVX-512 ones: torch never dispatches `normal` to
 *      AVX-512): ln/sin/cos are Cephes float32 polynomials with GCC's FMA contraction
 *      ({@link logCephesF32}, {@link sinCosCephesF32}), `θ = float(2π) * u` in float32.
 *    - kernel `'scalar'` (`ATEN_CPU_CAPABILITY=default`, non-x86 builds): libm `logf`/`cosf`/`sinf` in float32
 *      and `θ = float(double(2π) * u)`. We round double-precision results to float32. glibc's `logf`/`cosf`/
 *      `sinf` are not always correctly rounded, so ~1.5% of elements differ by 1 ulp. (Checked: the same
 *      loop in Python calling glibc through ctypes reproduces torch's scalar output exactly.)
 * 4. **numel < 16**: one element at a time with `normal_distribution<double>`: two double uniforms
 *    `u1, u2`, `r = sqrt(-2 ln(1 - u2))`, `θ = 2π u1`; return `r cos θ` and CACHE `r sin θ` in the generator
 *    for the next call (the cache persists across `randn` calls and is cleared by `manualSeed`).
 */
import { Mt19937 } from './mt19937.ts';
import { logCephesF32, sinCosCephesF32 } from './cephes-f32.ts';

/** Which torch CPU kernel to imitate for tensors of 16+ elements. */
export type NormalKernel = 'avx2' | 'scalar';

const f = Math.fround;
const TWO_PI_F32 = f(2 * Math.PI);
const TWO_POW_M24 = 2 ** -24;
const TWO_POW_M53 = 2 ** -53;

/** A seeded stream of Gaussian noise matching torch's CPU generator; keep one per sampling run. */
export class TorchCpuGenerator {
  private engine: Mt19937;
  private cachedNormal: number | undefined;

  /**
   * @param seed `0 <= seed < 2**64` (number or bigint); torch uses only the low 32 bits.
   * @param kernel which torch kernel to reproduce for 16+ elements (default `'avx2'`, see module doc).
   */
  constructor(
    seed: number | bigint,
    readonly kernel: NormalKernel = 'avx2',
  ) {
    this.engine = new Mt19937(seed);
  }

  /** Restart the stream, like `generator.manual_seed(seed)` (also drops the cached Box–Muller sample). */
  manualSeed(seed: number | bigint): this {
    this.engine = new Mt19937(seed);
    this.cachedNormal = undefined;
    return this;
  }

  /** `torch.randn(shape, generator=this)` as float32, row-major. Consumes the stream like torch does. */
  randn(shape: number | readonly number[]): Float32Array {
    const numel = typeof shape === 'number' ? shape : shape.reduce((a, b) => a * b, 1);
    if (!Number.isSafeInteger(numel) || numel < 0) throw new RangeError(`bad randn shape ${String(shape)}`);
    const out = new Float32Array(numel);
    if (numel >= 16) this.fillNormal(out);
    else for (let i = 0; i < numel; i++) out[i] = this.normalDouble();
    return out;
  }

  /** Fresh noise with the same element count as `like` (diffusers' ancestral `randn_tensor(model_output.shape)`). */
  randnLike(like: { length: number }): Float32Array {
    return this.randn(like.length);
  }

  private uniformFloat(): number {
    return (this.engine.nextUint32() & 0xffffff) * TWO_POW_M24;
  }

  private uniformDouble(): number {
    const hi = this.engine.nextUint32();
    const lo = this.engine.nextUint32();
    return ((hi & 0x1fffff) * 2 ** 32 + lo) * TWO_POW_M53;
  }

  private normalDouble(): number {
    if (this.cachedNormal !== undefined) {
      const cached = this.cachedNormal;
      this.cachedNormal = undefined;
      return cached;
    }
    const u1 = this.uniformDouble();
    const u2 = this.uniformDouble();
    const r = Math.sqrt(-2 * Math.log1p(-u2));
    const theta = 2 * Math.PI * u1;
    this.cachedNormal = r * Math.sin(theta);
    return r * Math.cos(theta);
  }

  private fillNormal(data: Float32Array): void {
    const n = data.length;
    for (let i = 0; i < n; i++) data[i] = this.uniformFloat();
    for (let i = 0; i + 16 <= n; i += 16) this.boxMuller16(data, i);
    if (n % 16 !== 0) {
      for (let i = n - 16; i < n; i++) data[i] = this.uniformFloat();
      this.boxMuller16(data, n - 16);
    }
  }

  private boxMuller16(data: Float32Array, at: number): void {
    for (let j = at; j < at + 8; j++) {
      const u1 = f(1 - data[j]!);
      const u2 = data[j + 8]!;
      if (this.kernel === 'avx2') {
        const radius = f(Math.sqrt(f(-2 * logCephesF32(u1))));
        const { sin, cos } = sinCosCephesF32(f(TWO_PI_F32 * u2));
        data[j] = radius * cos;
        data[j + 8] = radius * sin;
      } else {
        const radius = f(Math.sqrt(f(-2 * f(Math.log(u1)))));
        const theta = f(2 * Math.PI * u2);
        data[j] = radius * f(Math.cos(theta));
        data[j + 8] = radius * f(Math.sin(theta));
      }
    }
  }
}
