"""The discrete sigma table and ComfyUI's schedulers, re-derived in torch float32 from reading
ComfyUI comfy/model_sampling.py (ModelSamplingDiscrete), comfy/samplers.py (normal/simple/ddim/beta
schedulers, calculate_sigmas, KSampler.set_steps/sample) and k-diffusion sampling.py
(get_sigmas_karras, get_sigmas_exponential). ComfyUI's code is not imported or copied."""
import math

import mpmath
import numpy as np
import torch


class DiscreteTable:
    """1000 sigmas from the betas: computed in float64, stored as float32 (sigmas and log-sigmas)."""

    def __init__(self, beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", n=1000):
        if beta_schedule == "scaled_linear":
            betas = torch.linspace(beta_start ** 0.5, beta_end ** 0.5, n, dtype=torch.float64) ** 2
        elif beta_schedule == "linear":
            betas = torch.linspace(beta_start, beta_end, n, dtype=torch.float64)
        else:
            raise ValueError(beta_schedule)
        alphas_cumprod = torch.cumprod(1.0 - betas, dim=0)
        sig = ((1 - alphas_cumprod) / alphas_cumprod) ** 0.5
        self.sigmas = sig.float()
        self.log_sigmas = sig.log().float()

    @property
    def sigma_min(self):
        return self.sigmas[0]

    @property
    def sigma_max(self):
        return self.sigmas[-1]

    def timestep(self, sigma):
        """Nearest table index in log-sigma (an integer timestep)."""
        d = sigma.log() - self.log_sigmas[:, None]
        return d.abs().argmin(dim=0).view(sigma.shape)

    def sigma(self, t):
        """Log-linear interpolation of the table at a fractional timestep."""
        t = torch.clamp(t.float(), min=0, max=len(self.sigmas) - 1)
        lo, hi, w = t.floor().long(), t.ceil().long(), t.frac()
        return ((1 - w) * self.log_sigmas[lo] + w * self.log_sigmas[hi]).exp()


def with_zero(s):
    return torch.cat([s, s.new_zeros([1])])


def karras(table, n, rho=7.0):
    smin, smax = float(table.sigma_min), float(table.sigma_max)
    ramp = torch.linspace(0, 1, n)
    lo, hi = smin ** (1 / rho), smax ** (1 / rho)
    return with_zero((hi + ramp * (lo - hi)) ** rho)


def exponential(table, n):
    smin, smax = float(table.sigma_min), float(table.sigma_max)
    return with_zero(torch.linspace(math.log(smax), math.log(smin), n).exp())


def normal(table, n, sgm=False):
    start, end = table.timestep(table.sigma_max), table.timestep(table.sigma_min)
    append_zero = True
    if sgm:
        ts = torch.linspace(start, end, n + 1)[:-1]
    else:
        if math.isclose(float(table.sigma(end)), 0, abs_tol=1e-5):
            n += 1
            append_zero = False
        ts = torch.linspace(start, end, n)
    out = [float(table.sigma(t)) for t in ts]
    if append_zero:
        out.append(0.0)
    return torch.FloatTensor(out)


def simple(table, n):
    step = len(table.sigmas) / n
    out = [float(table.sigmas[-(1 + int(x * step))]) for x in range(n)]
    return torch.FloatTensor(out + [0.0])


def ddim_uniform(table, n):
    x = 1
    if math.isclose(float(table.sigmas[x]), 0, abs_tol=1e-5):
        n += 1
        out = []
    else:
        out = [0.0]
    step = max(len(table.sigmas) // n, 1)
    while x < len(table.sigmas):
        out.append(float(table.sigmas[x]))
        x += step
    return torch.FloatTensor(out[::-1])


def beta_ppf(p, a, b):
    """Inverse regularised incomplete beta by mpmath root finding (40 digits), not scipy."""
    if p <= 0:
        return 0.0
    if p >= 1:
        return 1.0
    mpmath.mp.dps = 40
    f = lambda x: mpmath.betainc(a, b, 0, x, regularized=True) - p
    return float(mpmath.findroot(f, (mpmath.mpf(1e-30), mpmath.mpf(1) - mpmath.mpf(1e-30)), solver="anderson"))


def beta(table, n, alpha=0.6, b=0.6):
    total = len(table.sigmas) - 1
    ts = 1 - np.linspace(0, 1, n, endpoint=False)
    ts = np.rint(np.array([beta_ppf(float(p), alpha, b) for p in ts]) * total)
    out, last = [], -1
    for t in ts:
        if t != last:
            out.append(float(table.sigmas[int(t)]))
        last = t
    return torch.FloatTensor(out + [0.0])


SCHEDULERS = {
    "normal": normal,
    "karras": karras,
    "exponential": exponential,
    "sgm_uniform": lambda t, n: normal(t, n, sgm=True),
    "simple": simple,
    "ddim_uniform": ddim_uniform,
    "beta": beta,
}

DISCARD_PENULTIMATE = {"dpm_2", "dpm_2_ancestral", "uni_pc", "uni_pc_bh2"}


def calculate_sigmas(table, scheduler, sampler, steps):
    discard = sampler in DISCARD_PENULTIMATE
    s = SCHEDULERS[scheduler](table, steps + 1 if discard else steps)
    return torch.cat([s[:-2], s[-1:]]) if discard else s


def ksampler_sigmas(table, scheduler, sampler, steps, denoise=1.0, start_step=None, last_step=None, force_full_denoise=False):
    """KSampler.set_steps then the start/last-step trimming of KSampler.sample. None = return the latent."""
    if denoise is None or denoise > 0.9999:
        sigmas = calculate_sigmas(table, scheduler, sampler, steps)
    elif denoise <= 0.0:
        return None
    else:
        sigmas = calculate_sigmas(table, scheduler, sampler, int(steps / denoise))[-(steps + 1):]
    if last_step is not None and last_step < len(sigmas) - 1:
        sigmas = sigmas[: last_step + 1].clone()
        if force_full_denoise:
            sigmas[-1] = 0
    if start_step is not None:
        if start_step < len(sigmas) - 1:
            sigmas = sigmas[start_step:]
        else:
            return None
    return sigmas
