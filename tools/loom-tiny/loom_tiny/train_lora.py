"""Stages `lora-4`, `lora-8`, `lora-16` (recipe DEFAULT) and `lora-{recipe}-{rank}` (the others in
RECIPES, experiments that are not exported): a style LoRA trained like the seed's, with diffusers'
`train_text_to_image_lora.py` recipe: the base UNet and text encoder frozen, a low-rank pair on every
attention projection (to_q, to_k, to_v, to_out.0), `down` ~ N(0, 1/rank), `up` = 0 (LoRALinearLayer's
init, so training starts from the base model), scale 1 (no alpha stored), on the styled set captioned
with the style tag. Captions are dropped as often as in the base's training (kohya's
`caption_dropout_rate`): sampling with CFG runs the unconditional through the LoRA too, and a LoRA
that never saw an empty caption there turned the ranks 8 and 16 pictures grey and smeared."""
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from loom_tiny_sd import lora

from . import checkpoint, configs, data, noise, train_unet, train_vae

BATCH = 32


@dataclass(frozen=True)
class Recipe:
    """How a LoRA is trained. `prior`: what keeps the base world's content beside the styled batch
    (DreamBooth's prior preservation, Ruiz et al. 2022, eq. 2): "none"; "data", a batch of the base
    world with its own captions (no style tag) and the plain ε-loss; "distill", the same batch's noisy
    latents with the ε the frozen base model predicts for them as the target (the base model's output
    on the same prompt without the style tag: no data noise in the target, so it pulls only where the
    LoRA changes an untagged prompt). `styled`: the styled set trained on, a kind of data.KINDS.
    `shape_weight`: the styled ε-loss's weight on the shape's latent pixels (outline and fill; the
    background's is 1), see `shape_weights`."""
    styled: str = "style"
    steps: int = 800
    lr: float = 1e-3
    prior: str = "none"
    prior_weight: float = 1.0
    shape_weight: float = 1.0


# Every recipe tried (tools/loom-tiny/README.md has what each measured); stages `lora-{recipe}-{rank}`,
# and `lora-{rank}` trains DEFAULT, the one exported.
RECIPES = {
    "style-only": Recipe(),
    "prior": Recipe(prior="data"),
    "distill": Recipe(prior="distill"),
    "distill-3": Recipe(prior="distill", prior_weight=3.0),
    "hue": Recipe(styled="style-hue"),
    "hue-distill": Recipe(styled="style-hue", prior="distill"),
    "hue-plain": Recipe(styled="style-hue-plain"),
    "hue-shape": Recipe(styled="style-hue", shape_weight=8.0),
}
DEFAULT = "style-only"


class LoRALinear(nn.Module):
    def __init__(self, base, rank):
        super().__init__()
        self.base = base
        self.down = nn.Parameter(torch.randn(rank, base.in_features) / rank)
        self.up = nn.Parameter(torch.zeros(base.out_features, rank))
        self.enabled = True  # off: the frozen base layer alone (the distillation prior's teacher)

    def forward(self, x):
        return self.base(x) + x @ self.down.t() @ self.up.t() if self.enabled else self.base(x)


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


def shape_weights(images, weight):
    """Per-latent-pixel loss weights [N, 1, 8, 8] of a styled set: 1 + (weight - 1) x the share of the
    8x8 pixel block under the shape (outline included). Why: the paper fills ~90% of every latent, so
    a plain mean ε-loss is mostly the paper's warmth and the LoRA learned it as a cast over the shape
    too (every LoRA miss is the fill's hue: quality/README.md); the styled fill already has the
    prompt's hue (look `hue`), so weighting its pixels makes the hue cost what the paper costs, as
    stage `vae-objects` weighted shape pixels 8x when the VAE merged yellow into orange. The
    background of a render is one flat colour (world.render), so the shape is every pixel off the
    corner pixel's colour."""
    img = torch.from_numpy(images.astype(np.int16))
    shape = (img - img[:, :1, :1, :]).abs().amax(dim=-1) > 4  # anti-aliased edges count from 5 levels off
    share = nn.functional.avg_pool2d(shape[:, None].float(), 2 ** (len(configs.VAE["block_out_channels"]) - 1))  # the VAE's 8x factor
    return 1.0 + (weight - 1.0) * share


def name(rank, recipe=DEFAULT):
    return f"lora-{rank}" if recipe == DEFAULT else f"lora-{recipe}-{rank}"


def _encode(text, tok, captions):
    return torch.cat([text(train_unet.encode_captions(tok, captions[i:i + 256]))[0] for i in range(0, len(captions), 256)])


def train(rank, recipe=DEFAULT):
    r = RECIPES[recipe]
    latents = train_vae.encode_all()
    images, captions = data.load(r.styled)
    weights = shape_weights(images, r.shape_weight)
    _, base_captions = data.load("base") if r.prior != "none" else (None, [])
    tok = data.tokenizer()
    unet, text = train_unet.trained()
    for p in list(unet.parameters()) + list(text.parameters()):
        p.requires_grad_(False)
    torch.manual_seed(30 + rank)
    layers = attach(unet, rank)
    with torch.no_grad():
        hidden_all = _encode(text, tok, captions)
        hidden_base = _encode(text, tok, base_captions) if r.prior != "none" else None
        hidden_empty = text(train_unet.encode_captions(tok, [""]))[0]
    params = [p for layer in layers.values() for p in (layer.down, layer.up)]
    opt = torch.optim.AdamW(params, lr=r.lr, weight_decay=0.0)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=r.lr, total_steps=r.steps, pct_start=0.05)
    factor = latents["scaling_factor"]
    holder = nn.ModuleDict({k.replace(".", "/"): v for k, v in layers.items()})

    def batch(rng, params, hidden_set):
        """A noisy batch of `params` latents with their captions' encodings (10% empty), and its ε."""
        index = torch.from_numpy(rng.integers(0, len(hidden_set), BATCH))
        x0 = train_unet.sample_latents(params, index, factor)
        hidden = torch.where(torch.from_numpy(rng.random(BATCH) < train_unet.UNCOND)[:, None, None],
                             hidden_empty, hidden_set[index])
        eps = torch.randn_like(x0)
        t = torch.randint(0, noise.BETAS.numel(), (BATCH,))
        return noise.add_noise(x0, eps, t), t, hidden, eps, index

    def loss_on(x, t, hidden, target, w=None):
        err = (unet(x, t, hidden)[0] - target).pow(2)
        return err.mean() if w is None else (err * w).sum() / (w.sum() * err.shape[1])

    def teacher(x, t, hidden):
        """The frozen base model's ε for the batch: every LoRA layer off."""
        for layer in layers.values():
            layer.enabled = False
        with torch.no_grad():
            eps = unet(x, t, hidden)[0]
        for layer in layers.values():
            layer.enabled = True
        return eps

    def step(i):
        rng = np.random.default_rng((40 + rank, i))  # from the step: resuming draws the same batches
        x, t, hidden, eps, index = batch(rng, latents[r.styled], hidden_all)
        loss = loss_on(x, t, hidden, eps, weights[index])  # all ones (the plain mean) unless the recipe weights the shape
        if r.prior != "none":
            x, t, hidden, eps, _ = batch(rng, latents["base"], hidden_base)
            loss = loss + r.prior_weight * loss_on(x, t, hidden, eps if r.prior == "data" else teacher(x, t, hidden))
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        return loss.item()

    checkpoint.run(name(rank, recipe), {"lora": holder, "opt": opt, "sched": sched}, r.steps, step)


def entries(rank, recipe=DEFAULT):
    """The trained pairs of a recipe (the default: the exported one) as fixture-style entries for `lora.write`."""
    state = checkpoint.load_done(name(rank, recipe))["lora"]
    modules = sorted(k.removesuffix(".down") for k in state if k.endswith(".down"))
    return [{"component": "unet", "module": m.replace("/", "."), "conv": False, "alpha": None,
             "down": state[f"{m}.down"], "up": state[f"{m}.up"]} for m in modules]
