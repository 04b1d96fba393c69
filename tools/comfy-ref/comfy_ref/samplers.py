"""k-diffusion's samplers as ComfyUI runs them (comfy/k_diffusion/sampling.py, comfy/extra_samplers/uni_pc.py),
re-derived in torch float32 from reading those files and the papers (Karras et al. 2022; DPM-Solver++,
Lu et al. 2022; UniPC, Zhao et al. 2023). `model(x, sigma)` returns the denoised estimate."""
import math

import torch

from .brownian_tree import brownian_tree_noise_sampler as brownian_noise_sampler
from .noise import default_noise_sampler


def to_d(x, sigma, denoised):
    return (x - denoised) / sigma


def ancestral_step(s_from, s_to, eta=1.0):
    if not eta:
        return s_to, 0.0
    up = min(s_to, eta * (s_to ** 2 * (s_from ** 2 - s_to ** 2) / s_from ** 2) ** 0.5)
    return (s_to ** 2 - up ** 2) ** 0.5, up


def euler(model, x, sigmas, seed, **_):
    for i in range(len(sigmas) - 1):
        den = model(x, sigmas[i])
        x = x + to_d(x, sigmas[i], den) * (sigmas[i + 1] - sigmas[i])
    return x


def euler_ancestral(model, x, sigmas, seed, **_):
    ns = default_noise_sampler(x, seed)
    for i in range(len(sigmas) - 1):
        den = model(x, sigmas[i])
        down, up = ancestral_step(sigmas[i], sigmas[i + 1])
        x = x + to_d(x, sigmas[i], den) * (down - sigmas[i])
        if sigmas[i + 1] > 0:
            x = x + ns(sigmas[i], sigmas[i + 1]) * up
    return x


def heun(model, x, sigmas, seed, **_):
    for i in range(len(sigmas) - 1):
        den = model(x, sigmas[i])
        d = to_d(x, sigmas[i], den)
        dt = sigmas[i + 1] - sigmas[i]
        if sigmas[i + 1] == 0:
            x = x + d * dt
        else:
            x2 = x + d * dt
            d2 = to_d(x2, sigmas[i + 1], model(x2, sigmas[i + 1]))
            x = x + (d + d2) / 2 * dt
    return x


def dpm_2(model, x, sigmas, seed, **_):
    for i in range(len(sigmas) - 1):
        den = model(x, sigmas[i])
        d = to_d(x, sigmas[i], den)
        if sigmas[i + 1] == 0:
            x = x + d * (sigmas[i + 1] - sigmas[i])
        else:
            mid = sigmas[i].log().lerp(sigmas[i + 1].log(), 0.5).exp()
            x2 = x + d * (mid - sigmas[i])
            d2 = to_d(x2, mid, model(x2, mid))
            x = x + d2 * (sigmas[i + 1] - sigmas[i])
    return x


def dpm_2_ancestral(model, x, sigmas, seed, **_):
    ns = default_noise_sampler(x, seed)
    for i in range(len(sigmas) - 1):
        den = model(x, sigmas[i])
        down, up = ancestral_step(sigmas[i], sigmas[i + 1])
        d = to_d(x, sigmas[i], den)
        if down == 0:
            x = x + d * (down - sigmas[i])
        else:
            mid = sigmas[i].log().lerp(down.log(), 0.5).exp()
            x2 = x + d * (mid - sigmas[i])
            d2 = to_d(x2, mid, model(x2, mid))
            x = x + d2 * (down - sigmas[i])
        x = x + ns(sigmas[i], sigmas[i + 1]) * up
    return x


def lms_coefficient(order, t, i, j):
    """Integral over [t_i, t_i+1] of the Lagrange basis polynomial j; exact (numpy polynomial), not scipy quad."""
    import numpy as np
    poly = np.poly1d([1.0])
    for k in range(order):
        if k != j:
            poly = poly * np.poly1d([1.0, -t[i - k]]) / (t[i - j] - t[i - k])
    integral = poly.integ()
    return float(integral(t[i + 1]) - integral(t[i]))


def lms(model, x, sigmas, seed, order=4, **_):
    t = [float(s) for s in sigmas]
    ds = []
    for i in range(len(sigmas) - 1):
        den = model(x, sigmas[i])
        ds.append(to_d(x, sigmas[i], den))
        if len(ds) > order:
            ds.pop(0)
        cur = min(i + 1, order)
        coeffs = [lms_coefficient(cur, t, i, j) for j in range(cur)]
        x = x + sum(c * d for c, d in zip(coeffs, reversed(ds)))
    return x


t_fn = lambda s: s.log().neg()
sigma_fn = lambda t: t.neg().exp()


def dpmpp_2s_ancestral(model, x, sigmas, seed, **_):
    ns = default_noise_sampler(x, seed)
    for i in range(len(sigmas) - 1):
        den = model(x, sigmas[i])
        down, up = ancestral_step(sigmas[i], sigmas[i + 1])
        if down == 0:
            x = x + to_d(x, sigmas[i], den) * (down - sigmas[i])
        else:
            t, tn = t_fn(sigmas[i]), t_fn(down)
            h = tn - t
            s = t + 0.5 * h
            x2 = (sigma_fn(s) / sigma_fn(t)) * x - (-h * 0.5).expm1() * den
            den2 = model(x2, sigma_fn(s))
            x = (sigma_fn(tn) / sigma_fn(t)) * x - (-h).expm1() * den2
        if sigmas[i + 1] > 0:
            x = x + ns(sigmas[i], sigmas[i + 1]) * up
    return x


def dpmpp_sde(model, x, sigmas, seed, r=0.5, **_):
    ns = brownian_noise_sampler(x, sigmas, seed)
    for i in range(len(sigmas) - 1):
        den = model(x, sigmas[i])
        if sigmas[i + 1] == 0:
            x = x + to_d(x, sigmas[i], den) * (sigmas[i + 1] - sigmas[i])
            continue
        t, tn = t_fn(sigmas[i]), t_fn(sigmas[i + 1])
        h = tn - t
        s = t + h * r
        fac = 1 / (2 * r)
        down, up = ancestral_step(sigma_fn(t), sigma_fn(s))
        s_ = t_fn(down)
        x2 = (sigma_fn(s_) / sigma_fn(t)) * x - (t - s_).expm1() * den
        x2 = x2 + ns(sigma_fn(t), sigma_fn(s)) * up
        den2 = model(x2, sigma_fn(s))
        down, up = ancestral_step(sigma_fn(t), sigma_fn(tn))
        tn_ = t_fn(down)
        den_d = (1 - fac) * den + fac * den2
        x = (sigma_fn(tn_) / sigma_fn(t)) * x - (t - tn_).expm1() * den_d
        x = x + ns(sigma_fn(t), sigma_fn(tn)) * up
    return x


def dpmpp_2m(model, x, sigmas, seed, **_):
    old = None
    for i in range(len(sigmas) - 1):
        den = model(x, sigmas[i])
        t, tn = t_fn(sigmas[i]), t_fn(sigmas[i + 1])
        h = tn - t
        if old is None or sigmas[i + 1] == 0:
            x = (sigma_fn(tn) / sigma_fn(t)) * x - (-h).expm1() * den
        else:
            r = (t - t_fn(sigmas[i - 1])) / h
            den_d = (1 + 1 / (2 * r)) * den - (1 / (2 * r)) * old
            x = (sigma_fn(tn) / sigma_fn(t)) * x - (-h).expm1() * den_d
        old = den
    return x


def dpmpp_2m_sde(model, x, sigmas, seed, eta=1.0, **_):
    ns = brownian_noise_sampler(x, sigmas, seed)
    old, h_last, h = None, None, None
    for i in range(len(sigmas) - 1):
        den = model(x, sigmas[i])
        if sigmas[i + 1] == 0:
            x = den
        else:
            t, s = -sigmas[i].log(), -sigmas[i + 1].log()
            h = s - t
            eh = eta * h
            x = sigmas[i + 1] / sigmas[i] * (-eh).exp() * x + (-h - eh).expm1().neg() * den
            if old is not None:
                r = h_last / h
                x = x + 0.5 * (-h - eh).expm1().neg() * (1 / r) * (den - old)
            x = x + ns(sigmas[i], sigmas[i + 1]) * sigmas[i + 1] * (-2 * eh).expm1().neg().sqrt()
        old, h_last = den, h
    return x


def dpmpp_3m_sde(model, x, sigmas, seed, eta=1.0, **_):
    ns = brownian_noise_sampler(x, sigmas, seed)
    d_1, d_2 = None, None
    h, h_1, h_2 = None, None, None
    for i in range(len(sigmas) - 1):
        den = model(x, sigmas[i])
        if sigmas[i + 1] == 0:
            x = den
        else:
            t, s = -sigmas[i].log(), -sigmas[i + 1].log()
            h = s - t
            he = h * (eta + 1)
            x = torch.exp(-he) * x + (-he).expm1().neg() * den
            if h_2 is not None:
                r0, r1 = h_1 / h, h_2 / h
                d1_0 = (den - d_1) / r0
                d1_1 = (d_1 - d_2) / r1
                d1 = d1_0 + (d1_0 - d1_1) * r0 / (r0 + r1)
                d2 = (d1_0 - d1_1) / (r0 + r1)
                phi_2 = he.neg().expm1() / he + 1
                phi_3 = phi_2 / he - 0.5
                x = x + phi_2 * d1 - phi_3 * d2
            elif h_1 is not None:
                d = (den - d_1) / (h_1 / h)
                x = x + (he.neg().expm1() / he + 1) * d
            x = x + ns(sigmas[i], sigmas[i + 1]) * sigmas[i + 1] * (-2 * h * eta).expm1().neg().sqrt()
        d_1, d_2 = den, d_1
        h_1, h_2 = h, h_1
    return x


def lcm(model, x, sigmas, seed, **_):
    ns = default_noise_sampler(x, seed)
    for i in range(len(sigmas) - 1):
        x = model(x, sigmas[i])
        if sigmas[i + 1] > 0:
            x = x + ns(sigmas[i], sigmas[i + 1]) * sigmas[i + 1]
    return x


from .uni_pc import uni_pc  # noqa: E402

SAMPLERS = {
    "euler": euler,
    "euler_ancestral": euler_ancestral,
    "heun": heun,
    "dpm_2": dpm_2,
    "dpm_2_ancestral": dpm_2_ancestral,
    "lms": lms,
    "dpmpp_2s_ancestral": dpmpp_2s_ancestral,
    "dpmpp_sde": dpmpp_sde,
    "dpmpp_2m": dpmpp_2m,
    "dpmpp_2m_sde": dpmpp_2m_sde,
    "dpmpp_3m_sde": dpmpp_3m_sde,
    "ddim": euler,
    "uni_pc": uni_pc,
    "uni_pc_bh2": lambda *a, **k: uni_pc(*a, variant="bh2", **k),
    "lcm": lcm,
}
