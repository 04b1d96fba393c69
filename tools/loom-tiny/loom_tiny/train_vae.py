"""Stage `vae`: the AutoencoderKL on base and styled renders (L1 + a light KL, as SD's VAE keeps its
posterior close to N(0, 1) with a small KL weight), then stage `latents`: every training image's
posterior, and the scaling factor 1 / std of the latents (how SD's 0.18215 was chosen)."""
import numpy as np
import torch
import torch.nn.functional as F

from loom_tiny_sd.vae import AutoencoderKL

from . import checkpoint, configs, data
from .paths import WORK

STEPS, BATCH, LR, KL_WEIGHT, WARMUP = 1800, 32, 6e-4, 1e-6, 50


def build_model():
    torch.manual_seed(11)
    return AutoencoderKL(configs.VAE)


def train():
    vae = build_model()
    opt = torch.optim.AdamW(vae.parameters(), lr=LR, weight_decay=0.0)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda i: min(1.0, (i + 1) / WARMUP))
    step = _step_fn(vae, opt, lambda recon, x: (recon - x).abs().mean(), 12, sched)
    checkpoint.run("vae", {"vae": vae, "opt": opt, "sched": sched}, STEPS, step)


def _step_fn(vae, opt, reconstruction_loss, seed, sched=None):
    """One step on a batch of base and styled renders: reconstruction loss + KL. The batch is drawn
    from (seed, step), so a resumed stage continues the same sequence of batches."""
    images = np.concatenate([data.load("base")[0], data.load("style")[0]])

    def step(i):
        x = data.to_tensor(images[np.random.default_rng((seed, i)).integers(0, len(images), BATCH)])
        posterior = vae.encode(x)
        recon = vae.decode(posterior.sample())
        kl = 0.5 * (posterior.mean.pow(2) + posterior.std.pow(2) - 1.0 - posterior.logvar).sum(dim=(1, 2, 3)).mean()
        loss = reconstruction_loss(recon, x) + KL_WEIGHT * kl
        opt.zero_grad()
        loss.backward()
        opt.step()
        if sched is not None:
            sched.step()
        return loss.item()
    return step


OBJECT_STEPS, OBJECT_LR, OBJECT_WEIGHT, COLOUR_WEIGHT = 600, 5e-4, 8.0, 4.0


def object_mask(x):
    """[N,1,H,W] 1 on the shape: pixels unlike the image's border (background) colour."""
    border = torch.cat([x[:, :, 0], x[:, :, -1], x[:, :, :, 0], x[:, :, :, -1]], dim=2).median(dim=2).values
    return ((x - border[:, :, None, None]).abs().amax(dim=1, keepdim=True) > 0.12).float()


def object_loss(recon, x):
    """Shapes cover 4-15% of a picture, so the plain L1 let the VAE merge the shapes' colours (yellow
    came back orange) while the background was perfect: the shape's pixels weigh OBJECT_WEIGHT, and
    the error of the shape's mean colour is added on top."""
    mask = object_mask(x)
    pixels = ((recon - x).abs() * (1.0 + (OBJECT_WEIGHT - 1.0) * mask)).mean()
    area = mask.sum(dim=(2, 3)).clamp(min=1.0)
    mean_error = ((recon - x) * mask).sum(dim=(2, 3)) / area
    return pixels + COLOUR_WEIGHT * mean_error.abs().mean()


def train_objects():
    """Stage `vae-objects`: the whole VAE fine-tuned with the object-weighted loss. (A decoder-only
    fine-tune, which would have kept the latents, did not fix the colours: the encoder had merged them.)"""
    vae = build_model()
    vae.load_state_dict(checkpoint.load_done("vae")["vae"])
    opt = torch.optim.AdamW(vae.parameters(), lr=OBJECT_LR, weight_decay=0.0)
    step = _step_fn(vae, opt, object_loss, 13)
    checkpoint.run("vae-objects", {"vae": vae, "opt": opt}, OBJECT_STEPS, step)


DECODER_STEPS, DECODER_LR = 700, 3e-4


def _train_decoder_only(name, previous, loss, seed, steps):
    """Stage `name`: the decoder of stage `previous`'s VAE trained with `loss`, the encoder frozen."""
    vae = build_model()
    vae.load_state_dict(checkpoint.load_done(previous)["vae"])
    for p in list(vae.encoder.parameters()) + list(vae.quant_conv.parameters()):
        p.requires_grad_(False)
    decoder = list(vae.post_quant_conv.parameters()) + list(vae.decoder.parameters())
    opt = torch.optim.AdamW(decoder, lr=DECODER_LR, weight_decay=0.0)
    checkpoint.run(name, {"vae": vae, "opt": opt}, steps, _step_fn(vae, opt, loss, seed))


def train_decoder():
    """Stage `vae-decoder`: the decoder alone, sharpened with the same loss while the encoder stays
    frozen (as SD's ft-MSE VAE was), so the UNet trains on final latents at the same time."""
    _train_decoder_only("vae-decoder", "vae-objects", object_loss, 14, DECODER_STEPS)


EDGE_STEPS, EDGE_WEIGHT, GRADIENT_WEIGHT, BAND_RADIUS = 1000, 2.0, 1.0, 2


def boundary_band(mask, radius=BAND_RADIUS):
    """[N,1,H,W] 1 within `radius` pixels of the shape's outline (the mask dilated minus eroded)."""
    size = 2 * radius + 1
    dilated = F.max_pool2d(mask, size, 1, radius)
    eroded = 1.0 - F.max_pool2d(1.0 - mask, size, 1, radius)
    return dilated - eroded


def edge_loss(recon, x):
    """The decoder rounded small squares' corners and squared small circles: a shape's identity is in
    its outline, a few pixels of each picture. On top of `object_loss`, each picture's mean error in
    the band around its outline (so a small shape weighs as much as a large one) and the L1 of the
    image gradients (finite differences), which a blurred edge misses."""
    band = boundary_band(object_mask(x))
    edge = ((recon - x).abs() * band).sum(dim=(1, 2, 3)) / (3.0 * band.sum(dim=(1, 2, 3)).clamp(min=1.0))
    gradient = sum((dr - dx).abs().mean() for dr, dx in ((recon.diff(dim=d), x.diff(dim=d)) for d in (2, 3)))
    return object_loss(recon, x) + EDGE_WEIGHT * edge.mean() + GRADIENT_WEIGHT * gradient


def train_edges():
    """Stage `vae-edges`: the decoder alone again (latents stay valid), with `edge_loss`."""
    _train_decoder_only("vae-edges", "vae-decoder", edge_loss, 15, EDGE_STEPS)


def trained():
    """The VAE after its last finished stage."""
    vae = build_model()
    stage = next(s for s in ("vae-edges", "vae-decoder", "vae-objects", "vae") if checkpoint.path(s, done=True).exists())
    vae.load_state_dict(checkpoint.load_done(stage)["vae"])
    vae.eval()
    return vae


def encode_all():
    """Stage `latents`: {kind: posterior parameters [N, 8, 8, 8]} for every kind of data.KINDS, and
    the scaling factor (from the base set). A kind added later is encoded beside the saved ones."""
    file = WORK / "latents.pt"
    out = torch.load(file) if file.exists() else {}
    missing = [kind for kind in data.KINDS if kind not in out]
    if not missing:
        return out
    vae = trained()
    with torch.no_grad():
        for kind in missing:
            images, _ = data.load(kind)
            out[kind] = torch.cat([vae.encode(data.to_tensor(images[i:i + 256])).parameters
                                   for i in range(0, len(images), 256)])
        if "scaling_factor" not in out:
            mean, logvar = out["base"].chunk(2, dim=1)
            sampled = mean + torch.exp(0.5 * logvar) * torch.randn_like(mean)
            out["scaling_factor"] = float(1.0 / sampled.std())
    print(f"[latents] encoded {', '.join(missing)}; scaling factor {out['scaling_factor']:.5f}")
    torch.save(out, file)
    return out
