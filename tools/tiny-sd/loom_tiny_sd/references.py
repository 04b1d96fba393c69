"""Torch reference outputs (fp32, the replicas themselves, never ONNX) for fixed seeded inputs.

Layout: test/fixtures/reference/<pipeline>/inputs.safetensors (`<component>.<input_name>`),
base.safetensors (`<component>.<output_name>`), lora/<format>-r<rank>-s<strength>.safetensors, and
index.json describing every file.
"""
import copy

import torch

from . import bpe, corpus
from .paths import REPO
from .safety import CLIP_MEAN, CLIP_STD

OUT = REPO / "test" / "fixtures" / "reference"
STRENGTHS = (0.5, 1.0)
PROMPT_BATCH = [corpus.PROMPTS["negative"], corpus.PROMPTS["positive"]]  # CFG order [uncond, cond]


def ids(merges, pad, dtype):
    tok = bpe.Tokenizer(bpe.build_vocab(merges), merges, pad_token=pad)
    return torch.tensor([tok(p) for p in PROMPT_BATCH], dtype=dtype)


def unet_inputs(gen, c, timestep):
    x = {"unet.sample": torch.randn(2, 4, 8, 8, generator=gen),
         "unet.timestep": timestep,
         "unet.encoder_hidden_states": torch.randn(2, 77, c["cross_attention_dim"], generator=gen)}
    if c.get("addition_embed_type") == "text_time":
        x["unet.text_embeds"] = torch.randn(2, c["projection_class_embeddings_input_dim"] - 48, generator=gen)
        x["unet.time_ids"] = torch.tensor([[64.0, 64.0, 0.0, 0.0, 64.0, 64.0], [96.0, 64.0, 8.0, 0.0, 64.0, 64.0]])
    return x


def vae_inputs(gen):
    return {"vae_decoder.latent_sample": torch.randn(1, 4, 8, 8, generator=gen),
            "vae_encoder.sample": torch.rand(1, 3, 64, 64, generator=gen) * 2 - 1}


@torch.no_grad()
def run_text(te, name, x, ids_key, hidden_states):
    out = te(x[ids_key].long(), hidden_states)
    if name == "text_encoder_2":
        res = {f"{name}.text_embeds": out[0], f"{name}.last_hidden_state": out[1]}
    else:
        res = {f"{name}.last_hidden_state": out[0], f"{name}.pooler_output": out[1]}
    if hidden_states:
        for i, h in enumerate(out[2]):
            res[f"{name}.hidden_states.{i}"] = h
    return res


@torch.no_grad()
def run_unet(unet, x):
    extra = {"text_embeds": x["unet.text_embeds"], "time_ids": x["unet.time_ids"]} if "unet.time_ids" in x else None
    t = x["unet.timestep"].float() if x["unet.timestep"].dtype != torch.int64 else x["unet.timestep"]
    return {"unet.out_sample": unet(x["unet.sample"], t, x["unet.encoder_hidden_states"], extra)[0]}


@torch.no_grad()
def run_vae(vae, x, sampled_encoder=False):
    res = {"vae_decoder.sample": vae.decode(x["vae_decoder.latent_sample"])}
    dist = vae.encode(x["vae_encoder.sample"])
    if sampled_encoder:  # the script's graph samples; store the distribution instead of a draw
        res["vae_encoder.latent_sample_mean"] = dist.mean
        res["vae_encoder.latent_sample_std"] = dist.std
    else:
        res["vae_encoder.latent_parameters"] = dist.parameters
    return res


def clip_pixels(rgb_image):
    mean = torch.tensor(CLIP_MEAN)[:, None, None]
    std = torch.tensor(CLIP_STD)[:, None, None]
    return (rgb_image - mean) / std


def safety_inputs(gen):
    red = torch.tensor([0.9, 0.3, 0.2])[:, None, None].expand(3, 224, 224)
    # left 3 of 7 patch columns pure red (score 1 - 0.5), the rest gray (0 - 0.5): mean -1/14 -> not flagged
    split = torch.full((3, 224, 224), 0.5)
    split[:, :, :96] = torch.tensor([1.0, 0.0, 0.0])[:, None, None]
    clip = torch.stack([clip_pixels(red), clip_pixels(split)])
    return {"safety_checker.clip_input": clip, "safety_checker.images": torch.rand(2, 64, 64, 3, generator=gen)}


@torch.no_grad()
def run_safety(checker, x):
    """Per image, as the diffusers ONNX pipeline calls it (`clip_input[i:i+1]`): the export traced at
    batch 1 bakes that batch into the masked assignment, exactly like the real script's export."""
    outs = [checker.forward_onnx(x["safety_checker.clip_input"][i:i + 1], x["safety_checker.images"][i:i + 1].clone())
            for i in range(x["safety_checker.images"].shape[0])]
    return {"safety_checker.out_images": torch.cat([o[0] for o in outs]),
            "safety_checker.has_nsfw_concepts": torch.cat([o[1] for o in outs])}


def fp16_rounded(module):
    m = copy.deepcopy(module)
    with torch.no_grad():
        for p in m.parameters():
            p.copy_(p.half().float())
    return m
