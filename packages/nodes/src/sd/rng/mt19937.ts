/**
 * MT19937 exactly as PyTorch's CPU generator runs it (`c10/util/..`, `ATen/core/MT19937RNGEngine.h`).
 *
 * Torch accepts a 64-bit seed but its state words are uint32: `state[0] = seed & 0xffffffff`, then the
 * standard Knuth initialisation `state[j] = 1812433253 * (state[j-1] ^ (state[j-1] >> 30)) + j`. So seeds
 * that differ only above bit 31 (e.g. 5 and 2**32 + 5) give the same stream — we reproduce that on purpose.
 * The output (twist + tempering) is the textbook Matsumoto–Nishimura generator.
 */

const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;

/** A 32-bit Mersenne Twister seeded the way `torch.Generator().manual_seed(seed)` seeds it. */
export class Mt19937 {
  private readonly state = new Uint32Array(N);
  private index = N;

  /** @param seed any non-negative integer below 2**64 (number or bigint); only its low 32 bits matter. */
  constructor(seed: number | bigint) {
    this.state[0] = low32(seed);
    for (let j = 1; j < N; j++) {
      const prev = this.state[j - 1]!;
      const x = prev ^ (prev >>> 30);
      // 1812433253 * x overflows 2**53, so multiply in 16-bit halves to keep it exact modulo 2**32.
      const hi = (((x >>> 16) * 1812433253) & 0xffff) << 16;
      const lo = (x & 0xffff) * 1812433253;
      this.state[j] = (hi + lo + j) >>> 0;
    }
  }

  /** Next uint32 (torch: `CPUGeneratorImpl::random()`). */
  nextUint32(): number {
    if (this.index >= N) this.twist();
    let y = this.state[this.index++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  private twist(): void {
    const s = this.state;
    for (let k = 0; k < N; k++) {
      const y = (s[k]! & UPPER_MASK) | (s[(k + 1) % N]! & LOWER_MASK);
      s[k] = (s[(k + M) % N]! ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0)) >>> 0;
    }
    this.index = 0;
  }
}

function low32(seed: number | bigint): number {
  if (typeof seed === 'bigint') {
    if (seed < 0n || seed >= 1n << 64n) throw new RangeError(`seed must be in [0, 2**64), got ${seed}`);
    return Number(seed & 0xffffffffn);
  }
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new RangeError(`seed must be a non-negative safe integer (use a bigint above 2**53), got ${seed}`);
  }
  return Number(BigInt(seed) & 0xffffffffn);
}
