import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TorchCpuGenerator } from './torch-generator.ts';
import { Mt19937 } from './mt19937.ts';

/*
 * Every expected number below was printed by real torch 1.13.1 (Debian python3-torch, CPU capability
 * AVX2 on an AVX-512 machine), not by this code:
 *
 *   /usr/bin/python3 - <<'EOF'
 *   import torch, numpy as np
 *   for seed in [0, 42, 2**32 + 5]:
 *       for shape in [(4,), (15,), (16,), (17,), (1, 4, 8, 8), (2, 4, 64, 64)]:
 *           t = torch.randn(shape, generator=torch.Generator('cpu').manual_seed(seed)).flatten()
 *           print(seed, shape, {i: '%.9g' % t[i].item() for i in INDICES},
 *                 int(t.numpy().view(np.uint32).astype(np.uint64).sum()))   # "bitSum": exact over all bits
 *   EOF
 *
 * `bitSum` (the sum of every element's IEEE-754 bit pattern as an integer) pins the whole tensor bit for
 * bit without listing 32768 numbers.
 */
type Case = [seed: number | bigint, shape: number[], values: Record<number, number>, bitSum: number];
const CASES: Case[] = [
  [0, [4], { 0: 1.54099607, 1: -0.293428898, 2: -2.17878938, 3: 0.568431258 }, 8547496363],
  [0, [15], { 0: 1.54099607, 4: -1.08452237, 8: -0.719257593, 13: 1.10060418, 14: -1.07118738 }, 35243059792],
  [0, [16], { 0: -1.12583983, 1: -1.1523602, 7: -2.11521935, 8: 0.322274923, 15: -0.247278154 }, 34106856706],
  [0, [17], { 0: -1.12583983, 1: -1.6959312, 7: 1.85300612, 8: 0.468096405, 15: -0.843676746, 16: 0.931826591 }, 33074863608],
  [0, [1, 4, 8, 8], { 0: -1.12583983, 128: -0.883375764, 240: -1.47774279, 247: -0.16917409, 255: 0.39039579 }, 534647842760],
  [0, [2, 4, 64, 64], { 0: -1.12583983, 16384: -0.551836073, 32752: -0.496863574, 32759: 0.0182158016, 32767: 1.12537587 }, 70155201444081],
  [42, [4], { 0: 0.336690366, 1: 0.128809407, 2: 0.234462366, 3: 0.23033303 }, 4186717342],
  [42, [15], { 0: 0.336690366, 6: 2.20820141, 12: 1.11029029, 14: -0.988959908 }, 26595844624],
  [42, [16], { 0: 1.92691529, 3: -2.10552096, 6: -0.0430674776, 11: -1.40360713, 15: 0.76244539 }, 38475242377],
  [42, [17], { 0: 1.92691529, 1: -0.159597471, 7: 1.68062055, 8: 0.355859905, 16: -0.309726775 }, 30855466168],
  [42, [1, 4, 8, 8], { 0: 1.92691529, 128: 1.93116057, 240: -0.929130316, 255: 0.222453654 }, 515476357076],
  [42, [2, 4, 64, 64], { 0: 1.92691529, 16384: -1.30465865, 32752: -0.0231556371, 32767: -0.265411794 }, 69713223500732],
  [2n ** 32n + 5n, [4], { 0: -0.486780763, 1: -0.603821576, 2: -0.55809623, 3: 0.667524278 }, 10675392933],
  [2n ** 32n + 5n, [15], { 0: -0.486780763, 5: 1.94278347, 14: 0.684642196 }, 35216165358],
  [2n ** 32n + 5n, [16], { 0: 1.84232986, 5: -0.268614441, 9: -0.0189677607, 15: -0.782335103 }, 40565966084],
  [2n ** 32n + 5n, [17], { 0: 1.84232986, 1: 1.22202528, 8: 2.61457705, 16: 0.744776964 }, 33020723577],
  [2n ** 32n + 5n, [1, 4, 8, 8], { 0: 1.84232986, 128: 0.386472553, 247: 0.964090645, 255: 0.698957562 }, 541228258811],
  [2n ** 32n + 5n, [2, 4, 64, 64], { 0: 1.84232986, 16384: 0.0486550033, 32759: -1.55282962, 32767: 0.856774867 }, 69961954288587],
];

function bitSum(values: Float32Array): number {
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  let sum = 0;
  for (const b of bits) sum += b; // < 2**53 for these sizes, so exact
  return sum;
}

for (const [seed, shape, values, expectedBitSum] of CASES) {
  test(`randn seed ${seed} shape [${shape.join(',')}] matches torch bit for bit`, () => {
    const got = new TorchCpuGenerator(seed).randn(shape);
    assert.equal(
      got.length,
      shape.reduce((a, b) => a * b, 1),
    );
    for (const [index, expected] of Object.entries(values)) {
      assert.equal(got[Number(index)], Math.fround(expected), `element ${index}`);
    }
    assert.equal(bitSum(got), expectedBitSum);
  });
}

test('a persistent generator continues the stream like passing `generator` through diffusers', () => {
  // torch: g = Generator().manual_seed(7); cat([randn(3, g), randn(3, g), randn(16, g), randn(1, g)]).
  // The 3-element calls use the cached Box-Muller sine (the 4th value comes from the first call's pair).
  const expected = [
    -0.146795094, 0.786141276, 0.94682163, -1.114344, 1.69079018, -0.894827902, 0.609473467, -0.581133783, 0.0490438677, -0.320476919, -1.58266461,
    -0.324566633, 1.92636812, -0.330011725, -0.551940501, 0.35274902, -1.08420193, -0.887490094, -0.209340423, -0.215341523, -1.81572866, -0.345241964,
    1.39545083,
  ];
  const g = new TorchCpuGenerator(7);
  const got = [...g.randn(3), ...g.randnLike({ length: 3 }), ...g.randn([4, 4]), ...g.randn([1])];
  assert.deepEqual(got, expected.map(Math.fround));
  g.manualSeed(0);
  assert.equal(g.randn(1)[0], Math.fround(1.54099607)); // manual_seed drops the cached sample
});

test("kernel 'scalar' follows torch's non-AVX2 path within float32 rounding", () => {
  // ATEN_CPU_CAPABILITY=default /usr/bin/python3 -c "import torch; t = torch.randn(256,
  //   generator=torch.Generator('cpu').manual_seed(0)); print(t[[0, 1, 8, 42, 100, 255]])"
  const got = new TorchCpuGenerator(0, 'scalar').randn(256);
  const expected: Record<number, number> = { 0: -1.12583983, 1: -1.1523602, 8: 0.322274923, 42: -0.289667547, 100: -2.6133225, 255: 0.39039579 };
  for (const [i, v] of Object.entries(expected)) {
    const diff = Math.abs(got[Number(i)]! - v);
    assert.ok(diff <= 1e-7 * Math.max(1, Math.abs(v)), `element ${i}: ${got[Number(i)]} vs ${v}`);
  }
});

test('Mt19937 matches the reference MT19937 output and torch seeding', () => {
  // The C++ standard fixes std::mt19937 (default seed 5489): its 10000th output is 4123659995.
  const mt = new Mt19937(5489);
  let last = 0;
  for (let i = 0; i < 10000; i++) last = mt.nextUint32();
  assert.equal(last, 4123659995);
  // Torch keeps only the low 32 bits of a 64-bit seed.
  assert.equal(new Mt19937(2n ** 32n + 5n).nextUint32(), new Mt19937(5).nextUint32());
  assert.throws(() => new Mt19937(-1), RangeError);
});
