"""DDPM forward noising with SD's schedule (scaled_linear, beta 0.00085..0.012, 1000 steps; the
scheduler_config Loom reads), epsilon prediction: x_t = sqrt(a_t) x_0 + sqrt(1 - a_t) eps
(Ho et al. 2020, eq. 4; diffusers DDPMScheduler.add_noise)."""
import torch

from . import configs

_c = configs.SCHEDULER
BETAS = torch.linspace(_c["beta_start"] ** 0.5, _c["beta_end"] ** 0.5, _c["num_train_timesteps"]) ** 2
ALPHAS_CUMPROD = torch.cumprod(1.0 - BETAS, dim=0)


def add_noise(x0, noise, timesteps):
    a = ALPHAS_CUMPROD[timesteps].view(-1, 1, 1, 1)
    return a.sqrt() * x0 + (1.0 - a).sqrt() * noise
