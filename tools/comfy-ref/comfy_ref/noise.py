"""ComfyUI's noise: comfy/sample.py prepare_noise (global-seeded torch.randn on the CPU, batch_index
handling) and k-diffusion's default_noise_sampler as ComfyUI seeds it (the SDE samplers' Brownian tree is
in brownian_tree.py)."""
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
