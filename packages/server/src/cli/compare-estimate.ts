/**
 * What a comparison will cost, said before it starts, and how long is left while it runs. Before the
 * first cell only the work is known (cells, sampler steps); the time per cell is measured from the cells
 * that finished, leaving out the first one, which also loads the models and so is no guide to the rest.
 */
import type { GridPlan } from '@loom/nodes';

const count = (n: number): string => n.toLocaleString('en-US');

/** The line printed before the first cell: the grid's shape and its sampler steps. */
export function describePlan(plan: GridPlan, stepsOf: (bindings: GridPlan['cells'][number]['bindings']) => number | undefined): string {
  const steps = plan.cells.map((c) => stepsOf(c.bindings));
  const known = steps.every((s): s is number => s !== undefined);
  const work = known ? `, ${count(steps.reduce((a, b) => a + b, 0))} sampler steps` : '';
  return `${count(plan.cells.length)} cells (${count(plan.variants.length)} variants × ${count(plan.rows.length)} rows)${work}; the time per cell and the time left follow from the first cells.`;
}

/** Refusal of a comparison larger than `--max-cells`, or undefined when it fits. */
export function overLimit(plan: GridPlan, maxCells: number): string | undefined {
  if (plan.cells.length <= maxCells) return undefined;
  return `This comparison has ${count(plan.cells.length)} cells (${count(plan.variants.length)} variants × ${count(plan.rows.length)} rows), more than --max-cells ${count(maxCells)}. Use fewer variants, prompts or seeds, or raise --max-cells.`;
}

/** Seconds per cell and seconds left, from the start times of the cells so far. */
export class CellClock {
  readonly #starts: number[] = [];

  constructor(
    private readonly total: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Records that a cell starts; returns "~N s/cell, ~M left" once a cell after the first has finished. */
  started(): string {
    this.#starts.push(this.now());
    const finished = this.#starts.length - 1;
    if (finished < 2) return '';
    // Cells 2 … finished: the first one carried the model loads.
    const perCell = ((this.#starts[finished] as number) - (this.#starts[1] as number)) / (finished - 1) / 1000;
    return `${perCell.toFixed(1)} s/cell, ~${duration(perCell * (this.total - finished))} left`;
  }
}

function duration(seconds: number): string {
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}
