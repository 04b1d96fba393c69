"""Stage `preview`: a torch-side look at the current UNet (Euler sampling, 20 steps, CFG) on held-out
prompts, as a PNG sheet in the work folder. A training aid only; quality is measured on Loom renders."""
import numpy as np
import torch

from . import data, noise, train_unet, train_vae, world
from .paths import WORK
from .png import sheet, write_png


def euler(unet, hidden, uncond, factor, steps=20, cfg=4.0, seed=0):
    """Euler (Karras et al. 2022, alg. 2 without churn) on sigma = sqrt((1 - a) / a), timesteps evenly spaced from 999 to 0."""
    g = torch.Generator().manual_seed(seed)
    a = noise.ALPHAS_CUMPROD
    ts = torch.linspace(999, 0, steps).round().long()
    sigmas = torch.cat([((1 - a[ts]) / a[ts]).sqrt(), torch.zeros(1)])
    x = torch.randn(hidden.shape[0], 4, 8, 8, generator=g) * sigmas[0]
    for i, t in enumerate(ts):
        scaled = x / (sigmas[i] ** 2 + 1).sqrt()
        both = unet(torch.cat([scaled, scaled]), t.repeat(2 * x.shape[0]), torch.cat([uncond, hidden]))[0]
        e_u, e_c = both.chunk(2)
        eps = e_u + cfg * (e_c - e_u)
        x = x + eps * (sigmas[i + 1] - sigmas[i])
    return x / factor


def run(count=24, suffix=""):
    tok = data.tokenizer()
    unet, text = train_unet.trained(partial=True)
    vae = train_vae.trained()
    factor = train_vae.encode_all()["scaling_factor"]
    prompts = [p + suffix for _, p in world.held_out_prompts(count)]
    with torch.no_grad():
        hidden = text(train_unet.encode_captions(tok, prompts))[0]
        uncond = text(train_unet.encode_captions(tok, [""] * count))[0]
        z = euler(unet, hidden, uncond, factor)
        img = vae.decode(z).clamp(-1, 1).add(1).mul(127.5).round().byte().permute(0, 2, 3, 1).numpy()
    write_png(WORK / "preview-unet.png", sheet(np.ascontiguousarray(img), 8))
    for i, p in enumerate(prompts[:8]):
        print(i, p)
