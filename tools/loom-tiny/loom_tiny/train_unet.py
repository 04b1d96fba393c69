"""Stage `unet`: the UNet and the CLIP text encoder trained together from scratch on the base set's
latents (epsilon loss, 10% empty captions for classifier-free guidance, an EMA of the weights that
is what gets exported)."""
import copy

import numpy as np
import torch

from loom_tiny_sd.clip import CLIPTextModel
from loom_tiny_sd.unet import UNet2DConditionModel

from . import checkpoint, configs, data, noise, train_vae

STEPS, BATCH, LR, EMA_DECAY, UNCOND, WARMUP = 4800, 64, 5e-4, 0.998, 0.1, 100


def build_models():
    torch.manual_seed(21)
    return UNet2DConditionModel(configs.UNET), CLIPTextModel(configs.TEXT)


class Ema(torch.nn.Module):
    """Exponential moving average of a module's parameters (buffers copied)."""

    def __init__(self, module, decay):
        super().__init__()
        self.shadow = copy.deepcopy(module).eval()
        self.decay = decay
        for p in self.shadow.parameters():
            p.requires_grad_(False)

    @torch.no_grad()
    def update(self, module, step):
        d = min(self.decay, (1 + step) / (10 + step))
        for s, p in zip(self.shadow.parameters(), module.parameters()):
            s.mul_(d).add_(p.detach(), alpha=1 - d)


def sample_latents(params, index, factor):
    mean, logvar = params[index].chunk(2, dim=1)
    return (mean + torch.exp(0.5 * logvar) * torch.randn_like(mean)) * factor


def encode_captions(tok, captions):
    return torch.tensor([tok(c) for c in captions], dtype=torch.int64)


def train():
    latents = train_vae.encode_all()
    factor = latents["scaling_factor"]
    _, captions = data.load("base")
    tok = data.tokenizer()
    ids = encode_captions(tok, captions)
    empty = torch.tensor(tok(""), dtype=torch.int64)
    unet, text = build_models()
    ema_unet, ema_text = Ema(unet, EMA_DECAY), Ema(text, EMA_DECAY)
    params = list(unet.parameters()) + list(text.parameters())
    opt = torch.optim.AdamW(params, lr=LR, weight_decay=0.01)
    # warm-up, then constant: with the EMA, stopping at any step (a smaller STEPS) gives a usable model
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda i: min(1.0, (i + 1) / WARMUP))
    def step(i):
        rng = np.random.default_rng((22, i))  # from the step: a resumed stage draws the same batches
        index = torch.from_numpy(rng.integers(0, len(ids), BATCH))
        x0 = sample_latents(latents["base"], index, factor)
        batch_ids = ids[index].clone()
        batch_ids[torch.from_numpy(rng.random(BATCH) < UNCOND)] = empty
        eps = torch.randn_like(x0)
        t = torch.randint(0, noise.BETAS.numel(), (BATCH,))
        hidden = text(batch_ids)[0]
        pred = unet(noise.add_noise(x0, eps, t), t, hidden)[0]
        loss = (pred - eps).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        sched.step()
        ema_unet.update(unet, i)
        ema_text.update(text, i)
        return loss.item()

    checkpoint.run("unet", {"unet": unet, "text": text, "ema_unet": ema_unet, "ema_text": ema_text, "opt": opt,
                            "sched": sched}, STEPS, step)


def trained(partial=False):
    """The EMA weights: (unet, text_encoder) in eval mode; `partial`: the latest checkpoint while the
    stage still runs (for previews)."""
    unet, text = build_models()
    states = checkpoint.torch_state("unet") if partial else checkpoint.load_done("unet")
    unet.load_state_dict({k.removeprefix("shadow."): v for k, v in states["ema_unet"].items()})
    text.load_state_dict({k.removeprefix("shadow."): v for k, v in states["ema_text"].items()})
    return unet.eval(), text.eval()
