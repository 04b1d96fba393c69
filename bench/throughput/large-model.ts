/**
 * The SD1.5-size random UNet shared by the slow benches (throughput, model load, pipeline): where it is,
 * whether to use it, and how to wait for the machine to be free of other big-model work.
 *
 * `LOOM_BENCH_LARGE=0 npm run bench` skips every SD1.5-size measurement (they take ~20 minutes and ~8 GB
 * on a 2-core machine); the benches that only measure it then keep their last JSON result.
 */
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * `python3 tools/tiny-sd/make_full_unet.py` writes it (Optimum layout, int64 timestep, 3.4 GB of weights).
 * `LOOM_BENCH_UNET=<path>` points the benches at another UNet, e.g. the tiny one to smoke-test bench code.
 */
export const LARGE_UNET = process.env.LOOM_BENCH_UNET ?? fileURLToPath(new URL('../../models/_large/sd15-unet-random/unet/model.onnx', import.meta.url));

/** What the figures measured on {@link LARGE_UNET} are labelled with: a smoke run on another UNet never says "SD1.5-size". */
export const LARGE_UNET_LABEL = process.env.LOOM_BENCH_UNET ? `UNet ${process.env.LOOM_BENCH_UNET} (LOOM_BENCH_UNET)` : 'SD1.5-size UNet';

/** Floating-point operations of one UNet call per sample at a 64×64 latent (SD1.5, 859.5 M parameters). */
export const SD15_TFLOP_PER_SAMPLE_STEP = 0.803;

/** Why the large-model part is skipped, or undefined when it runs. */
export function largeSkipReason(): string | undefined {
  if (process.env.LOOM_BENCH_LARGE === '0') return 'LOOM_BENCH_LARGE=0';
  if (!existsSync(LARGE_UNET)) return `${LARGE_UNET} is not generated (see tools/tiny-sd/README.md)`;
  return undefined;
}

/**
 * Waits until no other process is benchmarking on the big model (the LoRA bench shares it), so
 * neither run's timings include the other's work. Checks every 30 s, for at most `maxMinutes`.
 */
export async function waitForQuietMachine(maxMinutes = 30, pattern = 'lora-bench'): Promise<void> {
  const deadline = Date.now() + maxMinutes * 60_000;
  while (Date.now() < deadline) {
    const found = spawnSync('pgrep', ['-f', pattern], { encoding: 'utf8' }).stdout.trim();
    if (found === '') return;
    console.log(`waiting for ${pattern} (pid ${found.split('\n').join(', ')}) to finish…`);
    await new Promise((resolve) => setTimeout(resolve, 30_000));
  }
  console.log(`${pattern} still running after ${maxMinutes} min: measuring anyway (numbers may be pessimistic)`);
}
