/**
 * Where the editor's time goes (a tool, not a bench): imports the N-node chain (default 1,000) in
 * Chromium under the CDP sampling profiler, then optionally pans and zooms, and prints the long tasks
 * and the functions with the most self time. Names are readable when the editor is built unminified
 * (`cd packages/editor && npx vite build --minify false`; a normal build replaces it when the sources
 * change). `node --import tsx bench/editor/profile-load.ts [count] [pan|zoom]`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromiumMissing, openBrowser } from '../../test/e2e/helpers/browser.ts';
import { ensureEditorBuilt } from '../../test/e2e/helpers/build-editor.ts';
import { startLoom } from '../../test/e2e/helpers/loom-process.ts';
import { chainGraph } from './graphs.ts';
import { AWAIT_LOADED, gesture, INSTALL } from './page-probes.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

const nameOf = (frame: ProfileNode['callFrame']) => `${frame.functionName || '(anonymous)'} ${frame.url.split('/').pop()}:${frame.lineNumber + 1}`;

interface TraceEvent {
  name: string;
  ph: string;
  ts: number;
  dur?: number;
}

/** The main thread's tasks over `minMs` (trace events): [start, end] in the profile's clock (µs). */
function longTasks(events: TraceEvent[], minMs: number): [number, number][] {
  return events.filter((e) => e.name === 'RunTask' && e.ph === 'X' && (e.dur ?? 0) > minMs * 1000).map((e) => [e.ts, e.ts + (e.dur ?? 0)]);
}

/** Self and inclusive time per function (ms), largest first. */
function times(profile: Profile, window?: [number, number]): { self: [string, number][]; total: [string, number][] } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i] ?? 0;
    const node = byId.get(id);
    if (!node || (window && (at < window[0] || at > window[1]))) return;
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    self.set(nameOf(node.callFrame), (self.get(nameOf(node.callFrame)) ?? 0) + ms);
    const seen = new Set<string>();
    for (let up: number | undefined = id; up !== undefined; up = parent.get(up)) {
      const name = nameOf((byId.get(up) as ProfileNode).callFrame);
      if (seen.has(name)) continue;
      seen.add(name);
      total.set(name, (total.get(name) ?? 0) + ms);
    }
  });
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]);
  return { self: sorted(self), total: sorted(total) };
}

async function main(): Promise<void> {
  const missing = chromiumMissing();
  if (missing) throw new Error(missing);
  ensureEditorBuilt();
  const count = Number(process.argv[2] ?? 1000);
  const after = process.argv[3] as 'pan' | 'zoom' | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'loom-editor-profile-'));
  const file = join(dir, 'chain.json');
  writeFileSync(file, JSON.stringify(chainGraph(count)));
  const loom = await startLoom([]);
  const browser = await openBrowser(loom.url);
  try {
    const { page } = browser;
    await page.locator('[data-testid="cmd-queue"]').waitFor();
    await page.evaluate(INSTALL);
    const cdp = await page.context().newCDPSession(page);
    // A slower CPU (PROFILE_CPU_SLOWDOWN=4) brings out what a busy machine shows only some runs.
    if (process.env.PROFILE_CPU_SLOWDOWN) await cdp.send('Emulation.setCPUThrottlingRate', { rate: Number(process.env.PROFILE_CPU_SLOWDOWN) });
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
    const trace: TraceEvent[] = [];
    const traced = new Promise<void>((resolve) => cdp.once('Tracing.tracingComplete', () => resolve()));
    cdp.on('Tracing.dataCollected', ({ value }) => trace.push(...(value as unknown as TraceEvent[])));
    await cdp.send('Tracing.start', {
      categories: 'toplevel,devtools.timeline,disabled-by-default-devtools.timeline,v8.execute',
      transferMode: 'ReportEvents',
    });
    if (!after) await cdp.send('Profiler.start');
    const loaded = page.evaluate(AWAIT_LOADED);
    await page.locator('[data-testid="import-input"]').setInputFiles(file);
    console.log('loaded', await loaded, 'at', await page.evaluate('performance.now()'));
    if (after) {
      await cdp.send('Profiler.start');
      console.log(after, 'starts at', await page.evaluate('performance.now()'));
      const intervals = (await page.evaluate(gesture(after, 60))) as number[];
      console.log(after, 'frames', intervals.map((v) => v.toFixed(0)).join(' '));
    }
    const { profile } = (await cdp.send('Profiler.stop')) as unknown as { profile: Profile };
    await cdp.send('Tracing.end');
    await traced;
    // Where the renderer's time went, by trace event (nested events count in each of their parents).
    const byName = new Map<string, number>();
    for (const e of trace) if (e.ph === 'X' && e.ts >= profile.startTime) byName.set(e.name, (byName.get(e.name) ?? 0) + (e.dur ?? 0) / 1000);
    console.log(
      `trace events (ms): ${[...byName]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 25)
        .map(([n, ms]) => `${n} ${ms.toFixed(0)}`)
        .join(', ')}`,
    );
    // Rete's async plumbing and React's work loop are on every stack: the names below them say more.
    const plumbing =
      /^(\(root\)|\(anonymous\)|_next|asyncGeneratorStep|_callee\S*|emit|wrap|i|d|f|n|_regenerator\S*|regeneratorDefine|performWorkUntilDeadline|exports\.flushSync|flushSync\S*) /;
    for (const window of longTasks(trace, Number(process.env.PROFILE_TASK_MS ?? 100)).filter(([start]) => start >= profile.startTime)) {
      const { self, total } = times(profile, window);
      const name = ([n, ms]: [string, number]) => `${n.replace(/ index-\w+\.js/, ' ')} ${ms.toFixed(0)}`;
      console.log(`task of ${((window[1] - window[0]) / 1000).toFixed(0)} ms`);
      console.log(`  self: ${self.slice(0, 8).map(name).join(', ')}`);
      console.log(
        `  under: ${total
          .filter(([n]) => !plumbing.test(n))
          .slice(0, 16)
          .map(name)
          .join(', ')}`,
      );
      const rendering = new Map<string, number>();
      for (const e of trace)
        if (
          e.ph === 'X' &&
          e.ts >= window[0] &&
          e.ts < window[1] &&
          /^(UpdateLayoutTree|Layout|PrePaint|Paint|Layerize|Commit|HitTest|ParseHTML|RecalculateStyles)$/.test(e.name)
        )
          rendering.set(e.name, (rendering.get(e.name) ?? 0) + (e.dur ?? 0) / 1000);
      console.log(`  rendering: ${[...rendering].map(([n, ms]) => `${n} ${ms.toFixed(0)}`).join(', ')}`);
    }
    const long = (await page.evaluate('window.__bench.long')) as { start: number; duration: number }[];
    console.log('long tasks (ms):', long.map((t) => `${t.duration.toFixed(0)}@${t.start.toFixed(0)}`).join(' '));
    const { self, total } = times(profile);
    console.log('self time:');
    for (const [name, ms] of self.slice(0, 25)) console.log(`${ms.toFixed(1).padStart(8)} ms  ${name}`);
    console.log('inclusive time:');
    for (const [name, ms] of total.slice(0, 60)) console.log(`${ms.toFixed(1).padStart(8)} ms  ${name}`);
  } finally {
    await browser.close();
    await loom.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
