/**
 * The README's Performance table, built from `bench/results/*.json` so no figure is typed by hand.
 * `npm run gen:readme` rewrites the block between `<!-- perf:begin -->` and `<!-- perf:end -->`;
 * a test fails when the README differs from what the results give. Each row names the result file
 * and the exact metrics it reads (a renamed metric is an error, not a silently dropped row), and
 * carries the date and machine of that file's run.
 */
import { readFileSync } from 'node:fs';
import type { BenchResult, Figure } from './report.ts';
import { resultsDir } from './report.ts';

/** One table row: what is measured, from which result file, and how its figures read. The goal column
 * lists the goals of the figures the row read, each with whether that run met it. */
interface Row {
  benchmark: string;
  file: string;
  /** `pick` finds a figure by its exact metric name, or by a test on the name. */
  figure(pick: (metric: string | ((metric: string) => boolean)) => Figure): string;
}

const COLD_LOAD = ": cold load, level 'all' (optimized at load)";
const WARM_LOAD = ": warm load, level 'all' (cached optimized model)";

/** Whole numbers as they are, others to 3 significant digits; thousands separated (2, 12.9, 0.680, 34,702). */
export function num(value: number): string {
  if (Number.isInteger(value) || Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US');
  return value.toLocaleString('en-US', { minimumSignificantDigits: 3, maximumSignificantDigits: 3 });
}

/** value ÷ baseline, as "1.12×". */
export function ratio(figure: Figure): string {
  if (!figure.baseline) throw new Error(`"${figure.metric}" has no baseline`);
  return `${num(figure.value / figure.baseline.value)}×`;
}

const withUnit = (f: Figure): string => `${num(f.value)} ${f.unit}`;

export const ROWS: readonly Row[] = [
  { benchmark: 'engine overhead per node (1,000-node graph)', file: 'engine', figure: (m) => withUnit(m('engine overhead per node')) },
  { benchmark: 'fully cached re-run of 1,000 nodes', file: 'engine', figure: (m) => withUnit(m('fully cached re-run, 1,000 nodes')) },
  {
    benchmark: 'tiny SD1.5, 20-step UNetSampler vs bare onnxruntime loop (onnxruntime time equalized)',
    file: 'pipeline',
    figure: (m) => ratio(m('tiny SD1.5, 20-step UNetSampler (CFG, 64×64), onnxruntime time equalized')),
  },
  {
    benchmark: 'SD1.5-size UNet, 3-step UNetSampler vs bare onnxruntime loop (512×512)',
    file: 'pipeline',
    figure: (m) => ratio(m('SD1.5-size UNet, 3-step UNetSampler (CFG, 512×512), onnxruntime time equalized')),
  },
  {
    benchmark: 'onnxruntime MatMul 2048³ fp32, 1 / 2 threads (checked against the physical peak)',
    file: 'throughput',
    figure: (m) => `${withUnit(m('onnxruntime MatMul 2048³ fp32, 1 thread'))} / ${withUnit(m('onnxruntime MatMul 2048³ fp32, 2 threads'))}`,
  },
  {
    benchmark: 'single chain, per node: 1,000 nodes; 100,000 ÷ 1,000',
    file: 'engine',
    figure: (m) => `${withUnit(m('single 1,000-node chain, per node (CPU time)'))}; ${num(m('per-node cost, 100,000-node chain ÷ 1,000-node chain').value)}×`,
  },
  {
    benchmark: 'checkpoint → ONNX, SD1.5-size UNet: build time; built UNet step vs torch.onnx.export',
    file: 'checkpoint',
    figure: (m) => `${withUnit(m('UNet build (safetensors → ONNX)'))}; ${ratio(m('UNet step (CFG batch 2, 64×64 latent)'))}`,
  },
  {
    benchmark: 'checkpoint → ONNX, SD1.5-size UNet: build peak RSS; open peak RSS',
    file: 'checkpoint',
    figure: (m) => `${withUnit(m('UNet build peak RSS'))}; ${withUnit(m('open peak RSS, built'))}`,
  },
  {
    benchmark: 'UNet load: cold / warm (optimized-model cache)',
    file: 'model-load',
    figure: (m) => {
      // The bench labels each figure with the UNet it loaded; only an SD1.5-size run answers this row.
      const cold = m((metric) => metric.endsWith(COLD_LOAD));
      const warm = m((metric) => metric.endsWith(WARM_LOAD));
      const model = cold.metric.slice(0, -COLD_LOAD.length);
      const figures = `${withUnit(cold)} / ${withUnit(warm)} (${ratio(warm)})`;
      return model === 'SD1.5-size UNet' ? `SD1.5 size: ${figures}` : `SD1.5 size: no committed run; ${model}: ${figures}`;
    },
  },
  {
    benchmark: 'cold `npx run-graph` of loom-tiny: spawn → first sampler step; CPU time, prebuilt vs tsx',
    file: 'cold-start',
    figure: (m) => `${withUnit(m('npx: spawn → first sampler step'))}; ${ratio(m('build: CPU time of the whole run (user + system)'))}`,
  },
  {
    benchmark:
      'cold `run-graph` of loom-tiny on the build: spawn → first sampler step, bundled CLI / dist/ module by module; phases (node start-up, → first event, → sampler, → first step)',
    file: 'cold-start',
    figure: (m) =>
      `${withUnit(m('build: spawn → first sampler step'))} / ${withUnit(m('dist: spawn → first sampler step'))}; ` +
      [
        'build, phase: node start-up (a bare node -e 0, spawn → exit)',
        'build, phase: spawn → first graph event',
        'build, phase: first event → sampler starts',
        'build, phase: sampler starts → first step',
      ]
        .map((metric) => withUnit(m(metric)))
        .join(', '),
  },
  {
    benchmark: 'SD1.5-size UNet session, default options (32×32 latent): first ÷ steady CFG step; peak RSS ÷ weights',
    file: 'session-options',
    figure: (m) =>
      `${num(m('SD1.5-size UNet, 32×32 latent, default: first CFG step ÷ steady step').value)}×; ${num(m('SD1.5-size UNet, 32×32 latent, default: peak RSS ÷ weights').value)}×`,
  },
  {
    benchmark: 'LoRA switch on the SD1.5-size UNet (branch session)',
    file: 'lora',
    figure: (m) => {
      const sw = m('SD1.5-size random UNet: branches (low-rank inputs): LoRA switch');
      return `${withUnit(sw)} vs ${num(sw.baseline!.value / 1000)} s cold load (${num((100 * sw.value) / sw.baseline!.value)}%)`;
    },
  },
  {
    benchmark: 'LoRA strength change (SD1.5-size, branch session)',
    file: 'lora',
    figure: (m) => withUnit(m('SD1.5-size random UNet: branches (low-rank inputs): strength change')),
  },
  {
    benchmark: 'comparison grid, 4 variants × 10 prompts (tiny)',
    file: 'grid',
    figure: (m) => {
      const wall = m('grid wall time');
      return `${num(m('UNet loads').value)} UNet loads, ${withUnit(wall)} (${ratio(wall)} a fresh engine per cell)`;
    },
  },
  {
    benchmark: 'POST /prompt p50 / p99 at 20 req/s',
    file: 'server',
    figure: (m) => `${withUnit(m('POST /prompt p50 at 20 req/s'))} / ${withUnit(m('POST /prompt p99 at 20 req/s'))}`,
  },
  {
    benchmark: 'progress events to 100 WebSocket clients',
    file: 'server',
    figure: (m) => `${withUnit(m('progress events delivered to 100 clients'))}, ${num(m('messages lost').value)} lost`,
  },
  {
    benchmark: 'Redis queue overhead per prompt; 3 workers',
    file: 'scaleout',
    figure: (m) => `${withUnit(m('queue overhead per prompt (Redis − embedded)'))}; ${ratio(m('throughput, 3 workers (500 ms sleep prompts)'))} one worker`,
  },
  {
    benchmark: 'scale-out: SIGKILLed worker → prompt re-running; mixed workload, affinity vs none',
    file: 'scaleout',
    figure: (m) =>
      `${withUnit(m('recovery: SIGKILLed worker → its prompt re-running elsewhere'))}; ${ratio(m('mixed tiny/large throughput, cost-based affinity'))}`,
  },
];

/** Reads one result file of `bench/results`. */
export function readResult(name: string, dir: URL = resultsDir): BenchResult {
  return JSON.parse(readFileSync(new URL(`${name}.json`, dir), 'utf8')) as BenchResult;
}

const machineOf = (r: BenchResult): string => `${r.machine.cpus} CPUs (${r.machine.model}), ${r.machine.memoryGiB} GiB, Node ${r.machine.node}`;

/** The Markdown of the Performance table, with the machines each run used listed under it. */
export function performanceTable(read: (name: string) => BenchResult = (name) => readResult(name)): string {
  const machines: string[] = [];
  const lines = ['| benchmark | figure | goal | measured |', '|---|---|---|---|'];
  for (const row of ROWS) {
    const result = read(row.file);
    const picked: Figure[] = [];
    const pick = (metric: string | ((metric: string) => boolean)): Figure => {
      const figure = result.figures.find((f) => (typeof metric === 'string' ? f.metric === metric : metric(f.metric)));
      if (!figure) throw new Error(`bench/results/${row.file}.json has no figure "${String(metric)}" (row "${row.benchmark}")`);
      picked.push(figure);
      return figure;
    };
    const text = row.figure(pick);
    const goals = picked.flatMap((f) => (f.goal ? [`${f.goal.text} ${f.goal.met ? '✓' : '✗'}`] : [])).join('; ');
    const machine = machineOf(result);
    if (!machines.includes(machine)) machines.push(machine);
    lines.push(`| ${row.benchmark} | ${text} | ${goals} | ${result.date.slice(0, 10)}, machine ${machines.indexOf(machine) + 1} (\`${row.file}.json\`) |`);
  }
  lines.push('', ...machines.map((m, i) => `Machine ${i + 1}: ${m}.`));
  return lines.join('\n');
}

/** `text` with the content between `<!-- NAME:begin -->` and `<!-- NAME:end -->` replaced by `block`. */
export function replaceBlock(text: string, name: string, block: string): string {
  const begin = `<!-- ${name}:begin -->`;
  const end = `<!-- ${name}:end -->`;
  const from = text.indexOf(begin);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`no ${begin} … ${end} block`);
  return `${text.slice(0, from + begin.length)}\n${block}\n${text.slice(to)}`;
}
