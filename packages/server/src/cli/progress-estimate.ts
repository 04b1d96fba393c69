/**
 * How far a run is and how long it still takes, weighted by what each node costs. A node-count
 * percentage is misleading for Stable Diffusion: the sampler is most of the work, so a run would sit at
 * "57–71%" for the whole sampling and its ETA would climb while the work ran down.
 *
 * Costs are in sampler-step units and become milliseconds through a scale learned in the run:
 * - a node with a literal `steps` input costs that many units (a sampler); other node types have a
 *   prior ({@link PRIOR_UNITS}: rough CPU costs relative to one SD1.5 UNet step, corrected as the run goes);
 * - a finished node costs exactly what it took; a sampling node costs what it has taken so far plus its
 *   remaining steps times its observed step time (from its progress events);
 * - the scale (ms per unit) is the latest observed step time, else the finished nodes' duration per prior
 *   unit. Until one of those exists there is no ETA, only the prior-weighted percentage.
 * Nodes run at most a few at a time and the costly ones depend on each other, so the ETA is the
 * remaining work, not divided by the concurrency.
 */

import type { Graph } from '@loom/engine';

/** A node of the run as planned: id, type and (for samplers) its literal step count. */
export interface PlannedNode {
  id: string;
  type: string;
  steps?: number;
}

/** The plan of a graph: every node's type and, where `steps` is a literal number, its step count. */
export function planOf(graph: Graph): PlannedNode[] {
  return Object.entries(graph.nodes).map(([id, node]) => {
    const steps = node.inputs.steps;
    return typeof steps === 'number' ? { id, type: node.type, steps } : { id, type: node.type };
  });
}

/**
 * Prior cost per node type in sampler-step units, for types without a `steps` input. Loading a model
 * happens inside the first node that uses it, so encoders and decoders include a share of loading.
 */
const PRIOR_UNITS: Readonly<Record<string, number>> = {
  VAEDecode: 2,
  VAEEncode: 1,
  ImageUpscaleWithModel: 4,
  SafetyRetry: 1,
  LoRALoader: 0.5,
  TextEncoder: 0.2,
  ModelLoader: 0.1,
  SaveImage: 0.1,
};
const DEFAULT_UNITS = 0.05;
/** A `steps`-driven node type whose step count is a link (unknown until it reports progress). */
const DEFAULT_STEPS = 20;

/** The prior cost of one planned node, in sampler-step units. */
export function priorUnits(node: Omit<PlannedNode, 'id'>): number {
  if (node.steps !== undefined) return node.steps;
  return PRIOR_UNITS[node.type] ?? (node.type === 'UNetSampler' ? DEFAULT_STEPS : DEFAULT_UNITS);
}

interface Running {
  startedAt: number;
  /** First and latest progress reports: (time, value); step time = Δtime / Δvalue between them. */
  first?: { at: number; value: number };
  last?: { at: number; value: number; max: number };
}

/** Overall fraction in [0, 1] and, once the scale is known, the remaining time. */
export interface ProgressSnapshot {
  fraction: number;
  etaMs?: number;
}

export class ProgressEstimate {
  readonly #units = new Map<string, number>();
  readonly #finished = new Map<string, number>();
  readonly #running = new Map<string, Running>();
  readonly #now: () => number;
  #stepMs: number | undefined;

  constructor(nodes: readonly PlannedNode[], now: () => number) {
    for (const node of nodes) this.#units.set(node.id, priorUnits(node));
    this.#now = now;
  }

  /** A node outside the plan (a host without one) gets the prior of its type when it starts. */
  started(nodeId: string, nodeType: string): void {
    if (!this.#units.has(nodeId)) this.#units.set(nodeId, priorUnits({ type: nodeType }));
    this.#running.set(nodeId, { startedAt: this.#now() });
  }

  progress(nodeId: string, value: number, max: number): void {
    const node = this.#running.get(nodeId);
    if (!node || max <= 0) return;
    const at = this.#now();
    node.first ??= { at, value };
    node.last = { at, value, max };
    const step = this.#stepTime(node);
    if (step !== undefined) this.#stepMs = step;
  }

  finished(nodeId: string, durationMs: number): void {
    this.#running.delete(nodeId);
    this.#finished.set(nodeId, durationMs);
  }

  snapshot(): ProgressSnapshot {
    const scale = this.#scale();
    const now = this.#now();
    let done = 0;
    let total = 0;
    for (const [id, units] of this.#units) {
      const finished = this.#finished.get(id);
      const running = this.#running.get(id);
      if (finished !== undefined) {
        done += finished;
        total += finished;
      } else if (running) {
        const elapsed = now - running.startedAt;
        const step = this.#stepTime(running) ?? scale?.ms;
        const last = running.last;
        // A stepping node: elapsed plus what its remaining steps take; otherwise its prior, at least elapsed.
        const expected = last && step !== undefined ? elapsed + (last.max - last.value) * step : Math.max(elapsed, units * (scale?.ms ?? 0));
        done += scale ? elapsed : units * (last ? last.value / last.max : 0);
        total += scale ? expected : units;
      } else {
        total += units * (scale?.ms ?? 1);
      }
    }
    const fraction = total <= 0 ? 1 : Math.min(1, done / total);
    return scale ? { fraction, etaMs: Math.max(0, total - done) } : { fraction };
  }

  /** Milliseconds per step of a node with at least two progress reports. */
  #stepTime(node: Running): number | undefined {
    const { first, last } = node;
    return first && last && last.value > first.value ? (last.at - first.at) / (last.value - first.value) : undefined;
  }

  /** Milliseconds per unit: the latest step time, else what the finished nodes took per prior unit. */
  #scale(): { ms: number } | undefined {
    if (this.#stepMs !== undefined) return { ms: this.#stepMs };
    let ms = 0;
    let units = 0;
    for (const [id, duration] of this.#finished) {
      ms += duration;
      units += this.#units.get(id) ?? 0;
    }
    return units > 0 && ms > 0 ? { ms: ms / units } : undefined;
  }
}
