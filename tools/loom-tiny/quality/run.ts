/**
 * `npm run quality -- [--prompts N] [--styles K] [--out DIR]`: measures loom-tiny on pictures Loom
 * renders (issue 9). Prompt adherence on the first N held-out prompts, beside the ceiling the VAE
 * sets (the labelled renders' round trip); style on K held-out prompts + ", loom style", base vs
 * each LoRA rank at strength 1 and the metric's mean over strengths, and the prompt adherence of those
 * strength-1 pictures under each rank (issue 22: a style LoRA must keep the subject).
 * Writes report.json, report.md, grid.png and adherence-grid.png to DIR (default out/quality).
 * Exit codes: 0 every bar met, 1 a bar missed or the run failed, 2 bad arguments.
 */
import { parseArgs } from 'node:util';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { EXIT, hostSettings } from '../../../packages/server/src/cli/host-options.ts';
import { PRECISIONS, type Precision } from '../../../packages/nodes/src/runtime/session.ts';
import { measureAdherence } from './adherence.ts';
import { QUALITY_BARS, verdict } from './bars.ts';
import { createChecker, describeDetection } from './checker.ts';
import { loadHeldOut } from './held-out.ts';
import { measureLoraAdherence } from './lora-adherence.ts';
import { createRenderer, loraName, RENDER_SETTINGS } from './render.ts';
import { qualitySummary } from './readme.ts';
import { writeReport, type QualityReport } from './report.ts';
import { measureRoundTrip } from './roundtrip.ts';
import { measureStyle } from './style-eval.ts';
import { loadWorld } from './world.ts';

const USAGE = `Usage: npm run quality -- [options]

  --prompts N      held-out prompts for prompt adherence (default 200; 0 skips it and the VAE round trip)
  --styles K       held-out prompts + ", loom style" for the style check and the adherence under each
                   LoRA (default 40; 0 skips)
  --ranks LIST     LoRA ranks (default 4,8,16)
  --strengths LIST LoRA strengths of the style curve (default 0,0.25,0.5,0.75,1; strength 1 is always
                   rendered; one strength skips the monotonicity check, for quick training checks)
  --out DIR        report folder (default out/quality)
  --results FILE   also write the figures the README shows (tools/loom-tiny/quality/results.json)
  --models DIR     models folder (default ./models or $LOOM_MODELS)
  --pipeline NAME  pipeline folder (default loom-tiny); its LoRAs are loras/NAME/pytorch_lora_weights_{rank}.safetensors
  --device D       onnxruntime device (default cpu)
  --threads N      onnxruntime intra-op threads (default: onnxruntime's choice)
  --precision P    weight precision, fp32 or int8 (int8 MatMul weights; default fp32)
  -h, --help       this help

Exit codes: 0 every bar met, 1 a bar missed or the run failed, 2 bad arguments.`;

/** Strengths of the style curve (the default of --strengths). */
export const STRENGTHS = [0, 0.25, 0.5, 0.75, 1];

function count(text: string, name: string, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > max) throw new Error(`--${name} must be a whole number from 0 to ${max} (got "${text}").`);
  return n;
}

/** Where the CLI writes: progress and errors on stderr, help on stdout. */
export interface QualityIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export async function qualityCli(argv: string[], io: QualityIo = process): Promise<number> {
  let options;
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        prompts: { type: 'string', default: '200' },
        styles: { type: 'string', default: '40' },
        ranks: { type: 'string', default: '4,8,16' },
        strengths: { type: 'string', default: STRENGTHS.join(',') },
        out: { type: 'string', default: 'out/quality' },
        results: { type: 'string' },
        models: { type: 'string' },
        pipeline: { type: 'string', default: RENDER_SETTINGS.pipeline },
        device: { type: 'string', default: 'cpu' },
        threads: { type: 'string', default: '0' },
        precision: { type: 'string', default: 'fp32' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    if (values.help) {
      io.stdout.write(`${USAGE}\n`);
      return EXIT.ok;
    }
    const heldOut = loadHeldOut();
    const precision = values.precision as Precision;
    if (!PRECISIONS.includes(precision)) throw new Error(`--precision must be one of ${PRECISIONS.join(', ')} (got "${values.precision}").`);
    const ranks = values.ranks.split(',').map((r) => count(r.trim(), 'ranks', 1024));
    const strengths = values.strengths.split(',').map((text) => {
      const s = Number(text);
      if (text.trim() === '' || !Number.isFinite(s) || s < 0 || s > 2) throw new Error(`--strengths must be numbers from 0 to 2 (got "${text}").`);
      return s;
    });
    const styleScenes = heldOut.slice(0, count(values.styles, 'styles', heldOut.length));
    options = {
      prompts: heldOut.slice(0, count(values.prompts, 'prompts', heldOut.length)),
      styleScenes,
      styles: styleScenes.map((p) => `${p.prompt}, ${loadWorld().style.tag}`),
      ranks,
      strengths,
      out: resolve(values.out),
      ...(values.results !== undefined && { results: resolve(values.results) }),
      pipeline: values.pipeline,
      host: { ...hostSettings({ out: values.out, models: values.models, device: values.device, threads: values.threads }), precision },
    };
  } catch (err) {
    io.stderr.write(`${(err as Error).message}\n\n${USAGE}\n`);
    return EXIT.invalid;
  }

  try {
    const world = loadWorld();
    const renderer = createRenderer({ host: options.host, pipeline: options.pipeline });
    // Missing files fail here, not after minutes of rendering.
    const needed = [
      join(options.pipeline, 'model_index.json'),
      ...(options.styles.length > 0 ? options.ranks.map((r) => join('loras', loraName(r, options.pipeline))) : []),
    ];
    const missing = needed.filter((file) => !existsSync(join(renderer.config.modelsDir, file)));
    if (missing.length > 0)
      throw new Error(
        `Missing in ${renderer.config.modelsDir}: ${missing.join(', ')}${options.styles.length > 0 ? ' (--styles 0 skips the style check)' : ''}`,
      );
    const line = (text: string): boolean => io.stderr.write(`${text}\n`);
    let started = performance.now();
    const adherence =
      options.prompts.length === 0
        ? undefined
        : await measureAdherence(renderer, createChecker(world), options.prompts, (done, total, c) => {
            if (done % 10 === 0 || done === total)
              line(`adherence ${done}/${total}: #${c.index} "${c.expected.prompt}" → ${c.adheres ? 'ok' : describeDetection(c.detection)}`);
          });
    const adherenceSeconds = (performance.now() - started) / 1000;
    const roundTrip =
      options.prompts.length === 0 ? undefined : await measureRoundTrip(createChecker(world), { host: options.host, pipeline: options.pipeline });
    started = performance.now();
    const style =
      options.styles.length === 0
        ? undefined
        : await measureStyle(renderer, world, options.styles, {
            ranks: options.ranks,
            strengths: options.strengths,
            onProgress: (done, total, what) => void ((done % 20 === 0 || done === total) && line(`style ${done}/${total}: ${what}`)),
          });
    const styleSeconds = (performance.now() - started) / 1000;
    const loraAdherence = style && measureLoraAdherence(style, options.styleScenes, createChecker(world));
    const pictures = options.prompts.length + options.styles.length * (1 + options.ranks.length * new Set([...options.strengths, 1]).size);
    const result = verdict(adherence, style, loraAdherence);
    const report: QualityReport = {
      date: new Date().toISOString(),
      settings: {
        ...RENDER_SETTINGS,
        pipeline: options.pipeline,
        device: renderer.config.device,
        precision: renderer.config.precision ?? 'fp32',
        prompts: options.prompts.length,
        styles: options.styles.length,
        ranks: options.ranks,
        strengths: options.strengths,
      },
      seconds: { adherence: adherenceSeconds, style: styleSeconds, perImage: (adherenceSeconds + styleSeconds) / Math.max(1, pictures) },
      ...(adherence && { adherence }),
      ...(roundTrip && { roundTrip }),
      ...(style && { style }),
      ...(loraAdherence && { loraAdherence }),
      bars: QUALITY_BARS,
      verdict: result,
    };
    const files = await writeReport(options.out, report);
    if (options.results) {
      await writeFile(options.results, `${JSON.stringify(qualitySummary(report), null, 1)}\n`);
      files.push(options.results);
    }
    if (adherence)
      line(
        `adherence ${(100 * adherence.adherence).toFixed(1)}% (colour ${(100 * adherence.perAttribute.colour).toFixed(1)}%, shape ${(100 * adherence.perAttribute.shape).toFixed(1)}%, position ${(100 * adherence.perAttribute.position).toFixed(1)}%, size ${(100 * adherence.perAttribute.size).toFixed(1)}%)`,
      );
    if (roundTrip)
      line(
        `VAE round trip of ${roundTrip.count} labelled renders: ${(100 * roundTrip.adherence).toFixed(1)}% keep colour, shape and position (shape ${(100 * roundTrip.perAttribute.shape).toFixed(1)}%)`,
      );
    for (const r of style?.ranks ?? [])
      line(
        `style rank ${r.rank}: accuracy ${(100 * r.accuracy).toFixed(1)}%, means ${r.curve.map((p) => `${p.strength}: ${p.mean.toFixed(3)}`).join(', ')}${r.curve.length > 1 ? ` (${r.monotonic ? 'monotonic' : 'not monotonic'})` : ''}`,
      );
    if (loraAdherence)
      line(
        `adherence through each LoRA at strength 1 (${loraAdherence.base.count} styled prompts): ${loraAdherence.ranks.map((r) => `rank ${r.rank} ${(100 * r.adherence).toFixed(1)}%`).join(', ')} (base ${(100 * loraAdherence.base.adherence).toFixed(1)}%)`,
      );
    line(result.passed ? 'all bars met' : `bars missed:\n  ${result.failures.join('\n  ')}`);
    line(`wrote ${files.join(', ')}`);
    return result.passed ? EXIT.ok : EXIT.failed;
  } catch (err) {
    io.stderr.write(`${(err as Error).message}\n`);
    return EXIT.failed;
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) process.exitCode = await qualityCli(process.argv.slice(2));
