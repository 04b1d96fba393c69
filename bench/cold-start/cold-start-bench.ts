/**
 * Cold start of `run-graph` on loom-tiny's default graph (graphs/loom-tiny-txt2img.json, 20 steps):
 * a new process each run, timed from spawn to the first graph event (`run.started`), to the first
 * sampler step (the first `node.progress`) and to exit. Four ways to start it:
 *   tsx   — `node packages/server/bin/run-graph.js`: the TypeScript source through tsx at run time,
 *           as every bin ran before the build (the bin still does this without --conditions=loom-dist);
 *   dist  — the prebuilt dist/ imported module by module (~400 modules), as the bin ran before the
 *           bundle (scripts/bundle-bins.mjs);
 *   build — `node --conditions=loom-dist packages/server/bin/run-graph.js`: the bin on the build, which
 *           imports the bundled CLI;
 *   npx   — `npx --no-install run-graph`: the build, started the way the README says.
 * Order tsx, dist, build, npx, npx, build, dist, tsx per round (A-B-B-A for four), so the machine's
 * drift hits each alike. Files are in the OS cache after the first run (and tsx's transform cache is warm): these
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
  dist: [
    process.execPath,
    '--conditions=loom-dist',
    '--input-type=module',
    '-e',
    `const { runGraphCli } = await import(${JSON.stringify(join(root, 'packages/server/dist/cli/run-graph.js'))}); process.exitCode = await runGraphCli(process.argv.slice(1));`,
  ],
  build: [process.execPath, '--conditions=loom-dist', bin],
  npx: ['npx', '--no-install', 'run-graph'],
} as const;
type Way = keyof typeof WAYS;

interface Sample {
  firstEvent: number;
  /** When the sampler node started: the text encoder's session is open and both prompts encoded. */
  samplerStart: number;
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
  let samplerStart = NaN;
  let firstStep = NaN;
  let buffered = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
      const { type, nodeType } = JSON.parse(buffered.slice(0, nl)) as { type: string; nodeType?: string };
      buffered = buffered.slice(nl + 1);
      if (Number.isNaN(firstEvent)) firstEvent = seconds();
      if (type === 'node.started' && nodeType === 'UNetSampler') samplerStart = seconds();
      if (type === 'node.progress' && Number.isNaN(firstStep)) firstStep = seconds();
    }
  });
  return new Promise((resolve, reject) =>
    child.on('close', (code) => {
      const exit = seconds();
      if (code !== 0 || Number.isNaN(firstStep)) reject(new Error(`${way}: run-graph exited ${code} (first step seen: ${!Number.isNaN(firstStep)})`));
      else resolve({ firstEvent, samplerStart, firstStep, exit, cpu: timed ? cpuSeconds(readFileSync(cpuFile, 'utf8')) : NaN });
    }),
  );
}

/** `%U %S` as /usr/bin/time writes it (its last line). */
function cpuSeconds(text: string): number {
  const [user, system] = text.trim().split('\n').at(-1)!.split(' ').map(Number);
  return (user ?? NaN) + (system ?? NaN);
}

/** Seconds from spawn to exit of a bare `node -e 0`: Node's own start-up on this machine, now. */
function nodeStartup(): Promise<number> {
  const start = performance.now();
  return new Promise((resolve) => spawn(process.execPath, ['-e', '0']).on('close', () => resolve((performance.now() - start) / 1000)));
}

const out = mkdtempSync(join(tmpdir(), 'loom-cold-start-'));
const samples: Record<Way, Sample[]> = { tsx: [], dist: [], build: [], npx: [] };
const bareNode: number[] = [];
try {
  await coldStart('build', out); // fills the OS file cache; not counted
  for (let r = 0; r < ROUNDS; r++) {
    for (const way of ['tsx', 'dist', 'build', 'npx', 'npx', 'build', 'dist', 'tsx'] as const) {
      const s = await coldStart(way, out);
      samples[way].push(s);
      if (way === 'build') bareNode.push(await nodeStartup());
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
const phase = (from: keyof Sample, to: keyof Sample): number[] => samples.build.map((s) => s[to] - s[from]);
const seconds = (metric: string, values: number[], note: string): Figure => ({ metric, value: median(values), unit: 's', spread: spreadOf(values), note });
const figures: Figure[] = [
  figure('tsx', 'firstEvent', 'spawn → first graph event', {
    note: `TypeScript source through tsx at run time (before the build); ${ROUNDS} rounds of tsx, dist, build, npx, npx, build, dist, tsx; a machine shared with other work (load average recorded)`,
  }),
  figure('dist', 'firstEvent', 'spawn → first graph event', { note: 'prebuilt dist/, module by module (the bin before the bundle)' }),
  figure('build', 'firstEvent', 'spawn → first graph event', { note: 'the bin on the build: bundled CLI (node --conditions=loom-dist bin/run-graph.js)' }),
  figure('npx', 'firstEvent', 'spawn → first graph event', { note: 'npx --no-install run-graph (the build, as the README starts it)' }),
  figure('tsx', 'firstStep', 'spawn → first sampler step'),
  figure('dist', 'firstStep', 'spawn → first sampler step'),
  figure('build', 'firstStep', 'spawn → first sampler step'),
  figure('npx', 'firstStep', 'spawn → first sampler step', { goal: { text: '< 1.2 s', met: npxStep < 1.2 } }),
  figure('tsx', 'exit', 'spawn → exit (20 steps, PNG written)'),
  figure('dist', 'exit', 'spawn → exit (20 steps, PNG written)'),
  figure('build', 'exit', 'spawn → exit (20 steps, PNG written)'),
  figure('npx', 'exit', 'spawn → exit (20 steps, PNG written)'),
  seconds('build, phase: node start-up (a bare node -e 0, spawn → exit)', bareNode, 'run after each build sample'),
  seconds('build, phase: spawn → first graph event', of('build', 'firstEvent'), 'node start-up, the bundled CLI and its imports, host, graph validation'),
  seconds(
    'build, phase: first event → sampler starts',
    phase('firstEvent', 'samplerStart'),
    'text encoder session (optimized-model cache hit) and both prompts encoded',
  ),
  seconds('build, phase: sampler starts → first step', phase('samplerStart', 'firstStep'), 'UNet session (cache hit), the first CFG step and its preview PNG'),
  ...(timed
    ? (['tsx', 'dist', 'build', 'npx'] as const).map((way) => ({ ...figure(way, 'cpu', 'CPU time of the whole run (user + system)'), unit: 'CPU s' }))
    : []),
];
writeResult('cold-start', 'Cold start of run-graph, loom-tiny default graph (a new process each run)', figures);
