/**
 * The figure block of packages/editor/README.md (`<!-- editor:begin -->` … `<!-- editor:end -->`),
 * built from bench/results/editor.json by `npm run gen:readme`, so no editor timing is typed by hand.
 * Each row reads exact metric names (a renamed metric is an error) and the block states the run's
 * date and load average: the bench ran on a machine shared with other work.
 */
import type { BenchResult, Figure } from './report.ts';
import { num, readResult } from './readme-figures.ts';

const GRAPHS = ['1,000-node chain', '5,000-node chain', '200-node txt2img grid'] as const;

function picker(result: BenchResult): (metric: string) => Figure {
  return (metric) => {
    const figure = result.figures.find((f) => f.metric === metric);
    if (!figure) throw new Error(`bench/results/${result.name}.json has no figure "${metric}"`);
    return figure;
  };
}

const withGoal = (f: Figure): string => `${num(f.value)} ${f.unit}${f.goal ? ` (goal ${f.goal.text} ${f.goal.met ? '✓' : '✗'})` : ''}`;

/** The Markdown of the editor's measured figures. */
export function editorTable(result: BenchResult = readResult('editor')): string {
  const m = picker(result);
  const lines = [
    '| graph | load to interactive | longest task while loading | pan frame, median / p95 | zoom frame, median / p95 | DOM elements |',
    '|---|---|---|---|---|---|',
  ];
  for (const graph of GRAPHS) {
    const frames = (kind: string) => `${withGoal(m(`${graph}: ${kind} frame interval, median`))} / ${withGoal(m(`${graph}: ${kind} frame interval, p95`))}`;
    lines.push(
      `| ${graph} | ${withGoal(m(`${graph}: load to interactive`))} | ${withGoal(m(`${graph}: longest main-thread task while loading`))} | ${frames('pan')} | ${frames('zoom')} | ${num(m(`${graph}: DOM elements after load`).value)} |`,
    );
  }
  const lag = m("1,000-node chain: UI shows done after the server's done");
  const run = m('1,000-node chain: run, queue to server done');
  const load = result.machine.loadavg;
  lines.push(
    '',
    `Running the 1,000-node chain: the server was done ${num(run.value / 1000)} s after Queue; the editor showed done ${withGoal(lag)} later.`,
    '',
    `_${result.date.slice(0, 10)}, ${result.machine.cpus} CPUs (${result.machine.model}), Node ${result.machine.node}, Chromium headless; 1-minute load average ${load ? `${load.start[0]} → ${load.end[0]}` : 'not recorded'} (a machine shared with other work: the times are upper bounds)._`,
  );
  return lines.join('\n');
}
