"""ComfyUI's KSampler / KSamplerAdvanced around a sampler (comfy/sample.py, comfy/samplers.py): noise,
sigmas, first-step noise scaling (max_denoise), KSamplerX0Inpaint's noise mask, CFG on denoised outputs,
and a toy eps-prediction model with a closed form, shared with the TypeScript tests."""
import math

import torch

from .noise import prepare_noise
from .samplers import SAMPLERS
from .schedules import ksampler_sigmas

# The toy UNet: eps(xc, t) = scale(t) * M @ xc (over channels) + bias * t / 1000,
# scale(t) = 0.95 + 0.05 cos(t / 150); M and bias differ for the positive and the negative prompt.
TOY = {
    "cond": {
        "m": [[0.9, 0.05, 0.0, -0.05], [0.03, 0.85, 0.05, 0.0], [0.0, -0.03, 0.95, 0.05], [0.05, 0.0, 0.03, 0.9]],
        "bias": [0.03, -0.02, 0.01, 0.025],
    },
    "uncond": {
        "m": [[0.88, 0.0, 0.03, 0.0], [0.0, 0.9, 0.0, 0.03], [0.03, 0.0, 0.9, 0.0], [0.0, 0.03, 0.0, 0.88]],
        "bias": [0.01, 0.01, -0.01, 0.0],
    },
}


def toy_eps(xc, t, which):
    m = torch.tensor(TOY[which]["m"])
    bias = torch.tensor(TOY[which]["bias"])
    scale = 0.95 + 0.05 * torch.cos(t / 150.0)
    return torch.einsum("oc,bchw->bohw", m, xc) * scale + bias[None, :, None, None] * (t / 1000.0)


def toy_denoiser(table, cfg, prediction="epsilon"):
    def model(x, sigma):
        xc = x / (sigma ** 2 + 1.0) ** 0.5
        t = table.timestep(sigma.reshape(1)).float()
        out = {}
        for which in ("cond", "uncond"):
            o = toy_eps(xc, t, which)
            if prediction == "epsilon":
                out[which] = x - o * sigma
            else:
                out[which] = x * 1.0 / (sigma ** 2 + 1.0) - o * sigma / (sigma ** 2 + 1.0) ** 0.5
        if math.isclose(cfg, 1.0):
            return out["cond"]
        return out["uncond"] + (out["cond"] - out["uncond"]) * cfg

    return model


def inpaint_wrap(model, latent, noise, mask):
    """KSamplerX0Inpaint: outside the mask the state is the latent re-noised to sigma, and so is the output."""
    if mask is None:
        return model

    def wrapped(x, sigma):
        keep = 1.0 - mask
        x = x * mask + (latent + noise * sigma) * keep
        return model(x, sigma) * mask + latent * keep

    return wrapped


def ksample(table, sampler, scheduler, steps, cfg, seed, latent, denoise=1.0, batch_index=None, mask=None,
            add_noise=True, start_step=None, last_step=None, force_full_denoise=False, prediction="epsilon", model=None):
    """`model` (x, sigma) -> denoised replaces the toy prompt pair (e.g. cond_batch.guided)."""
    noise = prepare_noise(latent.shape, seed, batch_index) if add_noise else torch.zeros(latent.shape)
    sigmas = ksampler_sigmas(table, scheduler, sampler, steps, denoise, start_step, last_step, force_full_denoise)
    if sigmas is None or len(sigmas) == 0:
        return latent, sigmas
    sigma_max = float(table.sigma_max)
    max_denoise = math.isclose(sigma_max, float(sigmas[0]), rel_tol=1e-5) or float(sigmas[0]) > sigma_max
    inpaint_noise = noise
    if sampler == "ddim":
        inpaint_noise = torch.randn(latent.shape, generator=torch.manual_seed(seed + 1))
    if mask is not None:
        mask = mask.expand(latent.shape)
    model = inpaint_wrap(model or toy_denoiser(table, cfg, prediction), latent, inpaint_noise, mask)
    x = noise * torch.sqrt(1.0 + sigmas[0] ** 2.0) if max_denoise else noise * sigmas[0]
    x = x + latent
    return SAMPLERS[sampler](model, x, sigmas.clone(), seed), sigmas
