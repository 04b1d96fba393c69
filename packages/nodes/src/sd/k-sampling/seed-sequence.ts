/**
 * numpy's `SeedSequence` (numpy/random/bit_generator.pyx; O'Neill's seed_seq hashing, uint32 arithmetic): the
 * entropy and spawn key become uint32 words, are hashed into a pool of `poolSize` words, and `generateState(n)`
 * hashes the pool into n words. torchsde seeds every node of its Brownian tree this way. Hand-written because no
 * npm package reproduces numpy's SeedSequence; checked against numpy's own output in brownian-tree.test.ts.
 */
const INIT_A = 0x43b0d7e5;
const MULT_A = 0x931e8875;
const INIT_B = 0x8b51f9dd;
const MULT_B = 0x58f38ded;
const MIX_MULT_L = 0xca01f9dd;
const MIX_MULT_R = 0x4973f715;
const XSHIFT = 16;

const mul = (a: number, b: number): number => Math.imul(a, b) >>> 0;

/** A non-negative integer as little-endian uint32 words (at least one), numpy `_coerce_to_uint32_array`. */
function words(value: bigint): number[] {
  if (value < 0n) throw new RangeError('SeedSequence entropy must be non-negative');
  const out: number[] = [];
  do {
    out.push(Number(value & 0xffffffffn));
    value >>= 32n;
  } while (value > 0n);
  return out;
}

export class SeedSequence {
  private readonly pool: number[];

  constructor(entropy: number | bigint, spawnKey: readonly number[] = [], poolSize = 4) {
    let run = words(BigInt(entropy));
    const spawn = spawnKey.flatMap((k) => words(BigInt(k)));
    if (spawn.length > 0 && run.length < poolSize) run = [...run, ...Array<number>(poolSize - run.length).fill(0)];
    const entropyWords = [...run, ...spawn];
    let hashConst = INIT_A;
    const hashmix = (value: number): number => {
      value = (value ^ hashConst) >>> 0;
      hashConst = mul(hashConst, MULT_A);
      value = mul(value, hashConst);
      return (value ^ (value >>> XSHIFT)) >>> 0;
    };
    const mix = (x: number, y: number): number => {
      const result = (mul(MIX_MULT_L, x) - mul(MIX_MULT_R, y)) >>> 0;
      return (result ^ (result >>> XSHIFT)) >>> 0;
    };
    this.pool = Array.from({ length: poolSize }, (_, i) => hashmix(entropyWords[i] ?? 0));
    for (let src = 0; src < poolSize; src++) {
      for (let dst = 0; dst < poolSize; dst++) if (src !== dst) this.pool[dst] = mix(this.pool[dst] as number, hashmix(this.pool[src] as number));
    }
    for (let src = poolSize; src < entropyWords.length; src++) {
      for (let dst = 0; dst < poolSize; dst++) this.pool[dst] = mix(this.pool[dst] as number, hashmix(entropyWords[src] as number));
    }
  }

  /** `generate_state(n)` as uint32 words. */
  generateState(n: number): number[] {
    let hashConst = INIT_B;
    return Array.from({ length: n }, (_, i) => {
      let value = ((this.pool[i % this.pool.length] as number) ^ hashConst) >>> 0;
      hashConst = mul(hashConst, MULT_B);
      value = mul(value, hashConst);
      return (value ^ (value >>> XSHIFT)) >>> 0;
    });
  }
}
