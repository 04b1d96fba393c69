/**
 * Cold start of `run-graph` on loom-tiny's default graph (graphs/loom-tiny-txt2img.json, 20 steps):
 * a new process each run, timed from spawn to the first graph event (`run.started`), to the first
 * sampler step (the first `node.progress`) and to exit. Three ways to start it:
 *   tsx   — `node packages/server/bin/run-graph.js`: the TypeScript source through tsx at run time,
 *           as every bin ran before the build (the bin still does this without --conditions=loom-dist);
 *   build — `node --conditions=loom-dist packages/server/bin/run-graph.js`: the prebuilt dist/;
 *   npx   — `npx --no-install run-graph`: the build, started the way the README says.
 * Order tsx, build, npx, npx, build, tsx per round (A-B-B-A for three), so the machine's drift hits
 * each alike. Files are in the OS cache after the first run (and tsx's transform cache is warm): these
 * are repeat cold starts, not the first ever. Needs the build (`npm run build`). Goal: npx < 1.2 s to
 * the first sampler step (issue 21). On a shared machine the wall times follow its load (recorded in
 * the result); the CPU seconds each run used (user + system, npm's and node's, from /usr/bin/time when
 * it is installed) do not.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, spreadOf, writeResult, type Figure } from '../lib/report.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const ROUNDS = 3;
const bin = join(root, 'packages/server/bin/run-graph.js');
const args = ['graphs/loom-tiny-txt2img.json', '--json'];
const WAYS = {
  tsx: [process.execPath, bin],
  build: [process.execPath, '--conditions=loom-dist', bin],
  npx: ['npx', '--no-install', 'run-graph'],
} as const;
type Way = keyof typeof WAYS;

interface Sample {
  firstEvent: number;
  firstStep: number;
  exit: number;
  /** User + system CPU seconds of the whole run (NaN without /usr/bin/time). */
  cpu: number;
}

const TIME = '/usr/bin/time';
const timed = existsSync(TIME);

/** Runs one cold start and times it (seconds since spawn). */
function coldStart(way: Way, out: string): Promise<Sample> {
  const cpuFile = join(out, 'cpu.txt');
  const command = [...(timed ? [TIME, '-f', '%U %S', '-o', cpuFile] : []), ...WAYS[way], ...args, '--out', out];
  const start = performance.now();
  const seconds = (): number => (performance.now() - start) / 1000;
  const child = spawn(command[0] as string, command.slice(1), { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  let firstEvent = NaN;
  let firstStep = NaN;
  let buffered = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
      const type = (JSON.parse(buffered.slice(0, nl)) as { type: string }).type;
      buffered = buffered.slice(nl + 1);
      if (Number.isNaN(firstEvent)) firstEvent = seconds();
      if (type === 'node.progress' && Number.isNaN(firstStep)) firstStep = seconds();
    }
  });
  return new Promise((resolve, reject) =>
    child.on('close', (code) => {
      const exit = seconds();
      if (code !== 0 || Number.isNaN(firstStep)) reject(new Error(`${way}: run-graph exited ${code} (first step seen: ${!Number.isNaN(firstStep)})`));
      else resolve({ firstEvent, firstStep, exit, cpu: timed ? cpuSeconds(readFileSync(cpuFile, 'utf8')) : NaN });
    }),
  );
}

/** `%U %S` as /usr/bin/time writes it (its last line). */
function cpuSeconds(text: string): number {
  const [user, system] = text.trim().split('\n').at(-1)!.split(' ').map(Number);
  return (user ?? NaN) + (system ?? NaN);
}

const out = mkdtempSync(join(tmpdir(), 'loom-cold-start-'));
const samples: Record<Way, Sample[]> = { tsx: [], build: [], npx: [] };
try {
  await coldStart('build', out); // fills the OS file cache; not counted
  for (let r = 0; r < ROUNDS; r++) {
    for (const way of ['tsx', 'build', 'npx', 'npx', 'build', 'tsx'] as const) {
      const s = await coldStart(way, out);
      samples[way].push(s);
      console.log(
        `${way}: first event ${s.firstEvent.toFixed(2)} s, first step ${s.firstStep.toFixed(2)} s, exit ${s.exit.toFixed(2)} s, CPU ${s.cpu.toFixed(2)} s`,
      );
    }
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}

const of = (way: Way, key: keyof Sample): number[] => samples[way].map((s) => s[key]);
const figure = (way: Way, key: keyof Sample, what: string, extra: Partial<Figure> = {}): Figure => ({
  metric: `${way}: ${what}`,
  value: median(of(way, key)),
  unit: 's',
  spread: spreadOf(of(way, key)),
  ...(way === 'tsx' ? {} : { baseline: { name: 'tsx', value: median(of('tsx', key)) } }),
  ...extra,
});
const npxStep = median(of('npx', 'firstStep'));
const figures: Figure[] = [
  figure('tsx', 'firstEvent', 'spawn → first graph event', {
    note: `TypeScript source through tsx at run time (before the build); ${ROUNDS} rounds of tsx, build, npx, npx, build, tsx`,
  }),
  figure('build', 'firstEvent', 'spawn → first graph event', { note: 'prebuilt dist/ (node --conditions=loom-dist bin/run-graph.js)' }),
  figure('npx', 'firstEvent', 'spawn → first graph event', { note: 'npx --no-install run-graph (the build, as the README starts it)' }),
  figure('tsx', 'firstStep', 'spawn → first sampler step'),
  figure('build', 'firstStep', 'spawn → first sampler step'),
  figure('npx', 'firstStep', 'spawn → first sampler step', { goal: { text: '< 1.2 s', met: npxStep < 1.2 } }),
  figure('tsx', 'exit', 'spawn → exit (20 steps, PNG written)'),
  figure('build', 'exit', 'spawn → exit (20 steps, PNG written)'),
  figure('npx', 'exit', 'spawn → exit (20 steps, PNG written)'),
  ...(timed ? (['tsx', 'build', 'npx'] as const).map((way) => ({ ...figure(way, 'cpu', 'CPU time of the whole run (user + system)'), unit: 'CPU s' })) : []),
];
writeResult('cold-start', 'Cold start of run-graph, loom-tiny default graph (a new process each run)', figures);
