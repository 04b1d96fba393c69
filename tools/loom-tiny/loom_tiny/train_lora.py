"""Stages `lora-4`, `lora-8`, `lora-16`: a style LoRA trained like the seed's, with diffusers'
`train_text_to_image_lora.py` recipe: the base UNet and text encoder frozen, a low-rank pair on every
attention projection (to_q, to_k, to_v, to_out.0), `down` ~ N(0, 1/rank), `up` = 0 (LoRALinearLayer's
init, so training starts from the base model), scale 1 (no alpha stored), on the styled set captioned
with the style tag. Captions are dropped as often as in the base's training (kohya's
`caption_dropout_rate`): sampling with CFG runs the unconditional through the LoRA too, and a LoRA
that never saw an empty caption there turned the ranks 8 and 16 pictures grey and smeared."""
import numpy as np
import torch
from torch import nn

from loom_tiny_sd import lora

from . import checkpoint, data, noise, train_unet, train_vae

STEPS, BATCH, LR = 800, 32, 1e-3
# Prior preservation (DreamBooth's, Ruiz et al. 2022, eq. 2): a second batch of the base world with its
# own captions (no style tag) and the plain ε-loss, weight 1, so the LoRA learns the style as a change
# the tag asks for, not as a new way to draw every colour. Stages `lora-prior-{rank}`.
PRIOR_WEIGHT = 1.0


class LoRALinear(nn.Module):
    def __init__(self, base, rank):
        super().__init__()
        self.base = base
        self.down = nn.Parameter(torch.randn(rank, base.in_features) / rank)
        self.up = nn.Parameter(torch.zeros(base.out_features, rank))

    def forward(self, x):
        return self.base(x) + x @ self.down.t() @ self.up.t()


def attach(unet, rank):
    """Wraps every attention projection; returns {module name: LoRALinear}."""
    names = lora.unet_targets(unet, lora.ATTN)
    modules = dict(unet.named_modules())
    wrapped = {}
    for name in names:
        parent_name, child = name.rsplit(".", 1)
        parent = modules[parent_name]
        layer = LoRALinear(getattr(parent, child) if child != "0" else parent[0], rank)
        if child == "0":
            parent[0] = layer
        else:
            setattr(parent, child, layer)
        wrapped[name] = layer
    return wrapped


def name(rank, prior=False):
    return f"lora-{'prior-' if prior else ''}{rank}"


def _encode(text, tok, captions):
    return torch.cat([text(train_unet.encode_captions(tok, captions[i:i + 256]))[0] for i in range(0, len(captions), 256)])


def train(rank, prior=False):
    latents = train_vae.encode_all()
    _, captions = data.load("style")
    _, base_captions = data.load("base") if prior else (None, [])
    tok = data.tokenizer()
    unet, text = train_unet.trained()
    for p in list(unet.parameters()) + list(text.parameters()):
        p.requires_grad_(False)
    torch.manual_seed(30 + rank)
    layers = attach(unet, rank)
    with torch.no_grad():
        hidden_all = _encode(text, tok, captions)
        hidden_base = _encode(text, tok, base_captions) if prior else None
        hidden_empty = text(train_unet.encode_captions(tok, [""]))[0]
    params = [p for layer in layers.values() for p in (layer.down, layer.up)]
    opt = torch.optim.AdamW(params, lr=LR, weight_decay=0.0)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=LR, total_steps=STEPS, pct_start=0.05)
    factor = latents["scaling_factor"]
    holder = nn.ModuleDict({k.replace(".", "/"): v for k, v in layers.items()})

    def batch_loss(rng, params, hidden_set):
        """The ε-loss on a batch of `params` latents with their captions' encodings (10% empty)."""
        index = torch.from_numpy(rng.integers(0, len(hidden_set), BATCH))
        x0 = train_unet.sample_latents(params, index, factor)
        hidden = torch.where(torch.from_numpy(rng.random(BATCH) < train_unet.UNCOND)[:, None, None],
                             hidden_empty, hidden_set[index])
        eps = torch.randn_like(x0)
        t = torch.randint(0, noise.BETAS.numel(), (BATCH,))
        return (unet(noise.add_noise(x0, eps, t), t, hidden)[0] - eps).pow(2).mean()

    def step(i):
        rng = np.random.default_rng((40 + rank, i))  # from the step: resuming draws the same batches
        loss = batch_loss(rng, latents["style"], hidden_all)
        if prior:
            loss = loss + PRIOR_WEIGHT * batch_loss(rng, latents["base"], hidden_base)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        return loss.item()

    checkpoint.run(name(rank, prior), {"lora": holder, "opt": opt, "sched": sched}, STEPS, step)


def entries(rank, prior=False):
    """The trained pairs as fixture-style entries for `lora.write`."""
    state = checkpoint.load_done(name(rank, prior))["lora"]
    modules = sorted(k.removesuffix(".down") for k in state if k.endswith(".down"))
    return [{"component": "unet", "module": m.replace("/", "."), "conv": False, "alpha": None,
             "down": state[f"{m}.down"], "up": state[f"{m}.up"]} for m in modules]
