"""ComfyUI's noise: comfy/sample.py prepare_noise (global-seeded torch.randn on the CPU, batch_index
handling), k-diffusion's default_noise_sampler as ComfyUI seeds it, and a seeded Brownian path standing in
for torchsde's BrownianTree (same law, not the same numbers; see ../README.md)."""
import numpy as np
import torch


def prepare_noise(shape, seed, batch_index=None):
    g = torch.manual_seed(seed)
    if batch_index is None:
        return torch.randn(shape, generator=g)
    unique, inverse = np.unique(batch_index, return_inverse=True)
    noises = []
    for i in range(unique[-1] + 1):
        n = torch.randn([1] + list(shape[1:]), generator=g)
        if i in unique:
            noises.append(n)
    return torch.cat([noises[i] for i in inverse], dim=0)


def default_noise_sampler(x, seed):
    g = torch.Generator().manual_seed(seed)
    return lambda sigma, sigma_next: torch.randn(x.size(), generator=g)


class BrownianPath:
    """W(t_lo) = 0, W(t_hi) ~ N(0, t_hi - t_lo); any new time is drawn from the Brownian bridge between its
    known neighbours (or a free Brownian step outside them), one torch.randn per new point. Times within a
    relative 1e-5 of a known point are that point."""

    def __init__(self, shape, t_lo, t_hi, seed):
        self.g = torch.Generator().manual_seed(seed)
        self.shape = shape
        self.points = {t_lo: torch.zeros(shape)}
        self.points[t_hi] = torch.randn(shape, generator=self.g) * (t_hi - t_lo) ** 0.5

    def at(self, t):
        for k in self.points:
            if abs(k - t) <= 1e-5 * max(abs(k), abs(t)):
                return self.points[k]
        below = [k for k in self.points if k < t]
        above = [k for k in self.points if k > t]
        z = torch.randn(self.shape, generator=self.g)
        if not below or not above:
            edge = max(below) if below else min(above)
            w = self.points[edge] + z * abs(t - edge) ** 0.5
        else:
            a, b = max(below), min(above)
            wa, wb = self.points[a], self.points[b]
            w = wa + (t - a) / (b - a) * (wb - wa) + z * ((t - a) * (b - t) / (b - a)) ** 0.5
        self.points[t] = w
        return w


def brownian_noise_sampler(x, sigmas, seed):
    positive = sigmas[sigmas > 0]
    path = BrownianPath(x.shape, float(positive.min()), float(sigmas.max()), seed)

    def sample(sigma, sigma_next):
        t0, t1 = float(sigma), float(sigma_next)
        w0 = path.at(t0)
        w1 = path.at(t1)
        return (w1 - w0) / abs(t1 - t0) ** 0.5

    return sample
