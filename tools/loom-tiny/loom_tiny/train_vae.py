"""Stage `vae`: the AutoencoderKL on base and styled renders (L1 + a light KL, as SD's VAE keeps its
posterior close to N(0, 1) with a small KL weight), then stage `latents`: every training image's
posterior, and the scaling factor 1 / std of the latents (how SD's 0.18215 was chosen)."""
import numpy as np
import torch

from loom_tiny_sd.vae import AutoencoderKL

from . import checkpoint, configs, data
from .paths import WORK

STEPS, BATCH, LR, KL_WEIGHT = 1200, 32, 1e-3, 1e-6


def build_model():
    torch.manual_seed(11)
    return AutoencoderKL(configs.VAE)


def train():
    vae = build_model()
    base, _ = data.load("base")
    style, _ = data.load("style")
    images = np.concatenate([base, style])
    opt = torch.optim.AdamW(vae.parameters(), lr=LR, weight_decay=0.0)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=LR, total_steps=STEPS, pct_start=0.05)
    rng = np.random.default_rng(12)

    def step(_):
        x = data.to_tensor(images[rng.integers(0, len(images), BATCH)])
        posterior = vae.encode(x)
        recon = vae.decode(posterior.sample())
        kl = 0.5 * (posterior.mean.pow(2) + posterior.std.pow(2) - 1.0 - posterior.logvar).sum(dim=(1, 2, 3)).mean()
        loss = (recon - x).abs().mean() + KL_WEIGHT * kl
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        return loss.item()

    checkpoint.run("vae", {"vae": vae, "opt": opt, "sched": sched}, STEPS, step)


def trained():
    vae = build_model()
    vae.load_state_dict(checkpoint.load_done("vae")["vae"])
    vae.eval()
    return vae


def encode_all():
    """Stage `latents`: {kind: posterior parameters [N, 8, 8, 8]} and the scaling factor."""
    file = WORK / "latents.pt"
    if file.exists():
        return torch.load(file)
    vae = trained()
    out = {}
    with torch.no_grad():
        for kind in ("base", "style"):
            images, _ = data.load(kind)
            out[kind] = torch.cat([vae.encode(data.to_tensor(images[i:i + 256])).parameters
                                   for i in range(0, len(images), 256)])
        mean, logvar = out["base"].chunk(2, dim=1)
        sampled = mean + torch.exp(0.5 * logvar) * torch.randn_like(mean)
        out["scaling_factor"] = float(1.0 / sampled.std())
    print(f"[latents] scaling factor {out['scaling_factor']:.5f}")
    torch.save(out, file)
    return out
