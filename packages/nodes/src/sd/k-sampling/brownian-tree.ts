/**
 * The SDE samplers' noise (dpmpp_sde, dpmpp_2m_sde, dpmpp_3m_sde), exactly as ComfyUI draws it: k-diffusion's
 * `BrownianTreeNoiseSampler` over torchsde 0.2.6's `BrownianTree` = `BrownianInterval(halfway_tree=True,
 * tol=1e-6, pool_size=24)` (torchsde _brownian/brownian_interval.py, derived.py; re-derived, not copied):
 * - a dyadic tree of intervals over [σ_min, σ_max], every endpoint rounded to 6 decimals like Python's `round`;
 * - a split node's seeds come from numpy `SeedSequence(seed, spawn_key = (key, depth), pool_size = 24)`,
 *   key = 2·parent key + (0 left | 1 right); its left child's increment is the Brownian bridge
 *   `l/h·W + sqrt(l·r/h)·randn(W_seed)`, the right child's `W − left` (torch-exact `randn` per seed);
 * - the root increment is `randn(first word of SeedSequence(seed)) · sqrt(σ_max − σ_min)`;
 * - a query [a, b] sums the increments of the canonical intervals that cover it.
 * The values depend only on the seed, not on query order (torchsde's point of `halfway_tree`), so the cache is ours
 * to size: one query touches ~50 nodes (two root-to-leaf paths of ~24 levels), torchsde's 45-entry LRU would
 * recompute paths over and over, so we keep the most recent increments up to a byte budget, and compute both
 * children of a split from one draw.
 */
import { TorchCpuGenerator } from '../rng/index.ts';
import type { NoiseSampler } from './noise.ts';
import { pyRound } from './py-round.ts';
import { SeedSequence } from './seed-sequence.ts';

const POOL_SIZE = 24;
/** Increments kept, in bytes (at least 128 of them). */
const CACHE_BYTES = 64 * 1024 * 1024;
const round6 = (x: number): number => pyRound(x, 6);

interface TreeNode {
  start: number;
  end: number;
  parent?: TreeNode;
  isLeft: boolean;
  key: number;
  depth: number;
  split?: { mid: number; wSeed: number; left: TreeNode; right: TreeNode };
}

class BrownianTree {
  private readonly top: TreeNode;
  private readonly topW: Float32Array;
  private readonly cache = new Map<TreeNode, Float32Array>();
  private readonly cacheEntries: number;

  constructor(
    t0: number,
    t1: number,
    private readonly shape: readonly number[],
    private readonly seed: number | bigint,
  ) {
    this.top = { start: round6(t0), end: round6(t1), isLeft: false, key: 0, depth: 0 };
    const [wSeed] = new SeedSequence(seed, [], POOL_SIZE).generateState(1);
    const scale = Math.sqrt(t1 - t0);
    this.topW = this.randn(wSeed as number).map((v) => v * scale);
    this.cacheEntries = Math.max(128, Math.floor(CACHE_BYTES / (this.topW.length * 4)));
  }

  private randn(seed: number): Float32Array {
    return new TorchCpuGenerator(seed).randn(this.shape);
  }

  private splitOf(node: TreeNode): NonNullable<TreeNode['split']> {
    if (node.split) return node.split;
    const halfway = 0.5 * (node.end + node.start);
    const [wSeed] = new SeedSequence(this.seed, [node.key, node.depth], POOL_SIZE).generateState(1);
    const child = (isLeft: boolean): TreeNode => ({
      start: round6(isLeft ? node.start : halfway),
      end: round6(isLeft ? halfway : node.end),
      parent: node,
      isLeft,
      key: 2 * node.key + (isLeft ? 0 : 1),
      depth: node.depth + 1,
    });
    node.split = { mid: round6(halfway), wSeed: wSeed as number, left: child(true), right: child(false) };
    return node.split;
  }

  /** The canonical intervals covering [a, b] below `node` (torchsde `_loc`). */
  private cover(node: TreeNode, a: number, b: number): TreeNode[] {
    if (a === node.start && b === node.end) return [node];
    const { mid, left, right } = this.splitOf(node);
    if (b <= mid) return this.cover(left, a, b);
    if (a >= mid) return this.cover(right, a, b);
    return [...this.cover(left, a, mid), ...this.cover(right, mid, b)];
  }

  private increment(node: TreeNode): Float32Array {
    if (!node.parent) return this.topW;
    const cached = this.cache.get(node);
    if (cached) {
      this.cache.delete(node);
      this.cache.set(node, cached);
      return cached;
    }
    const parent = node.parent;
    const w = this.increment(parent);
    const { mid, wSeed, left, right } = this.splitOf(parent);
    const hReciprocal = 1 / (parent.end - parent.start);
    const leftDiff = mid - parent.start;
    const spread = Math.sqrt(leftDiff * (parent.end - mid) * hReciprocal);
    const noise = this.randn(wSeed);
    const leftW = w.map((v, i) => leftDiff * v * hReciprocal + spread * (noise[i] as number));
    const rightW = w.map((v, i) => v - (leftW[i] as number));
    this.remember(left, leftW);
    this.remember(right, rightW);
    return node.isLeft ? leftW : rightW;
  }

  private remember(node: TreeNode, w: Float32Array): void {
    this.cache.set(node, w);
    if (this.cache.size > this.cacheEntries) this.cache.delete(this.cache.keys().next().value as TreeNode);
  }

  /** W(b) − W(a) for a ≤ b, clamped to the tree's span. */
  between(a: number, b: number): Float32Array {
    const clamp = (t: number): number => Math.min(Math.max(t, this.top.start), this.top.end);
    const [lo, hi] = [clamp(a), clamp(b)];
    if (lo === hi) return new Float32Array(this.topW.length);
    const nodes = this.cover(this.top, round6(lo), round6(hi));
    const sum = new Float32Array(this.topW.length);
    for (const node of nodes) {
      const w = this.increment(node);
      for (let i = 0; i < sum.length; i++) sum[i] = (sum[i] as number) + (w[i] as number);
    }
    return sum;
  }
}

/** k-diffusion `BrownianTreeNoiseSampler` over the run's σ range [smallest σ > 0, largest σ]. */
export function brownianNoiseSampler(shape: readonly number[], sigmas: readonly number[], seed: number | bigint): NoiseSampler {
  const positive = sigmas.filter((s) => s > 0);
  const tree = new BrownianTree(Math.min(...positive), Math.max(...sigmas), shape, seed);
  return (sigma, sigmaNext) => {
    const w = sigma < sigmaNext ? tree.between(sigma, sigmaNext) : tree.between(sigmaNext, sigma).map((v) => -v);
    const scale = 1 / Math.sqrt(Math.abs(sigmaNext - sigma));
    return w.map((v) => v * scale);
  };
}
