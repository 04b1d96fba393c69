import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertBelowPeak, cpuPeakFrom } from './cpu-peak.ts';

/** Two vCPUs of an AMD EPYC (Zen 3) VM: no cpufreq, no GHz in the model name, base clock in `cpu MHz`. */
const epycVm = ['0', '1']
  .map(
    (id) =>
      `processor\t: ${id}\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\nmodel name\t: AMD EPYC\ncpu MHz\t\t: 2445.000\nphysical id\t: 0\ncore id\t\t: ${id}\nflags\t\t: fpu sse2 avx fma avx2\n`,
  )
  .join('\n');

test('an AVX2+FMA VM without a max clock: 32 FLOP/cycle at 1.6 × the reported clock', () => {
  const peak = cpuPeakFrom(epycVm);
  assert.equal(peak.physicalCores, 2);
  assert.equal(peak.flopsPerCycle, 32);
  // 2.445 GHz × 1.6 = 3.912 GHz; × 32 = 125.184 GFLOP/s per core.
  assert.ok(Math.abs(peak.gflops(1) - 125.184) < 1e-9);
  assert.ok(Math.abs(peak.gflops(2) - 250.368) < 1e-9);
  assert.equal(peak.gflops(8), peak.gflops(2), 'threads beyond the physical cores add nothing');
});

test('cpufreq, the model name or LOOM_CPU_MAX_GHZ give the clock; SMT siblings count once; Zen 4 AVX-512 is 32', () => {
  const intel = ['0', '1', '2', '3']
    .map(
      (id) =>
        `processor\t: ${id}\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Gold 6348 CPU @ 2.60GHz\nphysical id\t: 0\ncore id\t\t: ${Number(id) % 2}\nflags\t\t: avx2 fma avx512f\n`,
    )
    .join('\n');
  const byName = cpuPeakFrom(intel);
  assert.equal(byName.physicalCores, 2);
  assert.equal(byName.gflops(), 2 * 64 * 2.6);
  assert.equal(cpuPeakFrom(intel, 3_500_000).gflops(1), 64 * 3.5);
  assert.equal(cpuPeakFrom(intel, 3_500_000, '4').gflops(1), 64 * 4);
  assert.equal(cpuPeakFrom(epycVm.replaceAll('avx2', 'avx2 avx512f'), 3_700_000).gflops(1), 32 * 3.7);
});

test('a figure above the peak fails loudly; the recorded 347 GFLOP/s on 2 threads is one', () => {
  const peak = cpuPeakFrom(epycVm);
  assert.throws(() => assertBelowPeak('MatMul, 2 threads', 347, 2, peak), /IMPOSSIBLE FIGURE.*347\.0 GFLOP\/s exceeds .* 250\.4/);
  assert.throws(() => assertBelowPeak('MatMul, 1 thread', 190, 1, peak), /125\.2/);
  assert.doesNotThrow(() => assertBelowPeak('MatMul, 2 threads', 116, 2, peak));
});
