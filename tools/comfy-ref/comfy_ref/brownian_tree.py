"""torchsde 0.2.6's `BrownianTree` (= `BrownianInterval(halfway_tree=True, tol=1e-6, pool_size=24)`, no Lévy area)
as k-diffusion's `BrownianTreeNoiseSampler` uses it in ComfyUI, re-derived from reading torchsde's
_brownian/brownian_interval.py and derived.py:
- a dyadic tree of intervals over [t0, t1], endpoints rounded to 6 decimals (Python `round`);
- each split node draws its seeds from numpy `SeedSequence(entropy=seed, spawn_key=(key, depth), pool_size=24)`,
  key = 2·parent key + (0 left | 1 right), and the left child's increment is the Brownian bridge
  `l/h·W + sqrt(l·r/h)·randn(W_seed)`, the right child's the rest;
- the root increment is `randn(first SeedSequence word) · sqrt(t1 − t0)`; a query [a, b] is the sum of the
  increments of the canonical intervals covering it."""
import math

import numpy as np
import torch


def randn(shape, seed):
    return torch.randn(shape, generator=torch.Generator().manual_seed(int(seed)))


class _Node:
    def __init__(self, start, end, parent, is_left):
        self.start, self.end = round(start, 6), round(end, 6)
        self.parent, self.is_left = parent, is_left
        self.mid = None


class HalfwayBrownianTree:
    def __init__(self, t0, t1, shape, seed, pool_size=24):
        self.shape, self.seed, self.pool_size = shape, seed, pool_size
        self.top = _Node(t0, t1, None, None)
        self.top.key, self.top.depth = 0, 0
        w_seed = np.random.SeedSequence(entropy=seed, pool_size=pool_size).generate_state(3)[0]
        self.top.w = randn(shape, w_seed) * math.sqrt(t1 - t0)

    def _split(self, node):
        if node is not self.top:
            node.key = 2 * node.parent.key + (0 if node.is_left else 1)
            node.depth = node.parent.depth + 1
        halfway = 0.5 * (node.end + node.start)
        node.mid = round(halfway, 6)
        ss = np.random.SeedSequence(entropy=self.seed, spawn_key=(node.key, node.depth), pool_size=self.pool_size)
        node.w_seed = ss.generate_state(4)[0]
        node.left = _Node(node.start, halfway, node, True)
        node.right = _Node(halfway, node.end, node, False)

    def _cover(self, node, a, b):
        if a == node.start and b == node.end:
            return [node]
        if node.mid is None:
            self._split(node)
        if b <= node.mid:
            return self._cover(node.left, a, b)
        if a >= node.mid:
            return self._cover(node.right, a, b)
        return self._cover(node.left, a, node.mid) + self._cover(node.right, node.mid, b)

    def _increment(self, node):
        if not hasattr(node, "w"):
            p = node.parent
            w = self._increment(p)
            h_rec = 1 / (p.end - p.start)
            left, right = p.mid - p.start, p.end - p.mid
            left_w = left * w * h_rec + math.sqrt(left * right * h_rec) * randn(self.shape, p.w_seed)
            node.w = left_w if node.is_left else w - left_w
        return node.w

    def __call__(self, a, b):
        a, b = min(max(float(a), self.top.start), self.top.end), min(max(float(b), self.top.start), self.top.end)
        if a == b:
            return torch.zeros(self.shape)
        nodes = self._cover(self.top, round(a, 6), round(b, 6))
        w = self._increment(nodes[0])
        for node in nodes[1:]:
            w = w + self._increment(node)
        return w


def brownian_tree_noise_sampler(x, sigmas, seed):
    """k-diffusion BrownianTreeNoiseSampler(x, σ_min > 0, σ_max, seed): signed, normalised tree increments."""
    positive = sigmas[sigmas > 0]
    tree = HalfwayBrownianTree(float(positive.min()), float(sigmas.max()), x.shape, seed)

    def sample(sigma, sigma_next):
        s0, s1 = torch.as_tensor(sigma), torch.as_tensor(sigma_next)
        a, b, sign = (s0, s1, 1) if s0 < s1 else (s1, s0, -1)
        return tree(a, b) * sign / (s1 - s0).abs().sqrt()

    return sample
