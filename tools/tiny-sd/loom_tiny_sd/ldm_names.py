"""Diffusers -> original (LDM/CompVis, sgm) state_dict names, the layout single-file checkpoints use.

Written from the module trees of the original repositories (CompVis `ldm/modules/diffusionmodules/
openaimodel.py` UNetModel with input_blocks / middle_block / output_blocks, `ldm/modules/
diffusionmodules/model.py` Encoder/Decoder, open_clip `transformer.py` ResidualAttentionBlock) and
checked against diffusers' `scripts/convert_diffusers_to_original_stable_diffusion.py` and
`convert_diffusers_to_original_sdxl.py` (read, not copied). Loom's TypeScript reader maps the other
way (LDM -> diffusers); it is tested against these files, so the two mappings are independent.
"""
import torch

RESNET = [("norm1", "in_layers.0"), ("conv1", "in_layers.2"), ("time_emb_proj", "emb_layers.1"),
          ("norm2", "out_layers.0"), ("conv2", "out_layers.3"), ("conv_shortcut", "skip_connection")]
VAE_RESNET = [("conv_shortcut", "nin_shortcut")]
VAE_ATTN = [("group_norm", "norm"), ("to_q", "q"), ("to_k", "k"), ("to_v", "v"), ("to_out.0", "proj_out")]


def _sub(rest, pairs):
    for new, old in pairs:
        if rest == new or rest.startswith(new + "."):
            return old + rest[len(new):]
    return rest


def unet_name(name, config):
    """One diffusers UNet2DConditionModel key -> its `model.diffusion_model.` key."""
    layers = config["layers_per_block"]
    n = len(config["block_out_channels"])
    parts = name.split(".")
    fixed = {"conv_in": "input_blocks.0.0", "time_embedding.linear_1": "time_embed.0",
             "time_embedding.linear_2": "time_embed.2", "add_embedding.linear_1": "label_emb.0.0",
             "add_embedding.linear_2": "label_emb.0.2", "conv_norm_out": "out.0", "conv_out": "out.2"}
    for new, old in fixed.items():
        if name.startswith(new + "."):
            return old + name[len(new):]
    if parts[0] == "down_blocks":
        i, kind, j = int(parts[1]), parts[2], int(parts[3])
        rest = ".".join(parts[4:])
        if kind == "downsamplers":
            return f"input_blocks.{1 + i * (layers + 1) + layers}.0.op.{rest.removeprefix('conv.')}"
        block = 1 + i * (layers + 1) + j
        return f"input_blocks.{block}.{0 if kind == 'resnets' else 1}.{_sub(rest, RESNET) if kind == 'resnets' else rest}"
    if parts[0] == "mid_block":
        kind, j = parts[1], int(parts[2])
        rest = ".".join(parts[3:])
        if kind == "attentions":
            return f"middle_block.1.{rest}"
        return f"middle_block.{2 * j}.{_sub(rest, RESNET)}"
    if parts[0] == "up_blocks":
        i, kind, j = int(parts[1]), parts[2], int(parts[3])
        rest = ".".join(parts[4:])
        if kind == "upsamplers":
            has_attn = config["up_block_types"][i].startswith("CrossAttn")
            return f"output_blocks.{i * (layers + 1) + layers}.{2 if has_attn else 1}.{rest}"
        block = i * (layers + 1) + j
        return f"output_blocks.{block}.{0 if kind == 'resnets' else 1}.{_sub(rest, RESNET) if kind == 'resnets' else rest}"
    raise ValueError(f"unmapped UNet key {name} ({n} blocks)")


def vae_name(name, config):
    """One diffusers AutoencoderKL key -> its `first_stage_model.` key."""
    n = len(config["block_out_channels"])
    parts = name.split(".")
    side = parts[0]
    if side in ("quant_conv", "post_quant_conv"):
        return name
    rest = parts[1:]
    head = rest[0]
    if head == "conv_norm_out":
        return ".".join([side, "norm_out", *rest[1:]])
    if head in ("conv_in", "conv_out"):
        return name
    if head == "mid_block":
        kind, j, tail = rest[1], int(rest[2]), ".".join(rest[3:])
        if kind == "attentions":
            return f"{side}.mid.attn_1.{_sub(tail, VAE_ATTN)}"
        return f"{side}.mid.block_{j + 1}.{_sub(tail, VAE_RESNET)}"
    i, kind, j, tail = int(rest[1]), rest[2], int(rest[3]), ".".join(rest[4:])
    if side == "encoder":
        if kind == "downsamplers":
            return f"encoder.down.{i}.downsample.{tail}"
        return f"encoder.down.{i}.block.{j}.{_sub(tail, VAE_RESNET)}"
    level = n - 1 - i  # the LDM decoder numbers its levels from the lowest resolution up
    if kind == "upsamplers":
        return f"decoder.up.{level}.upsample.{tail}"
    return f"decoder.up.{level}.block.{j}.{_sub(tail, VAE_RESNET)}"


def vae_tensor(ldm_name, tensor):
    """LDM's VAE attention uses 1x1 convolutions where diffusers uses Linear layers."""
    if ".mid.attn_1." in ldm_name and ldm_name.endswith("weight") and tensor.dim() == 2:
        return tensor[:, :, None, None]
    return tensor


def open_clip(state):
    """CLIPTextModelWithProjection state -> open_clip's text tower (`conditioner.embedders.1.model.`)."""
    out = {}
    layer_pairs = [("layer_norm1", "ln_1"), ("layer_norm2", "ln_2"), ("self_attn.out_proj", "attn.out_proj"),
                   ("mlp.fc1", "mlp.c_fc"), ("mlp.fc2", "mlp.c_proj")]
    layers = sorted({int(k.split(".")[3]) for k in state if k.startswith("text_model.encoder.layers.")})
    for i in layers:
        p = f"text_model.encoder.layers.{i}."
        for new, old in layer_pairs:
            for what in ("weight", "bias"):
                out[f"transformer.resblocks.{i}.{old}.{what}"] = state[f"{p}{new}.{what}"]
        # open_clip packs q, k, v into one in_proj (nn.MultiheadAttention), in that order
        for what in ("weight", "bias"):
            out[f"transformer.resblocks.{i}.attn.in_proj_{what}"] = torch.cat(
                [state[f"{p}self_attn.{x}_proj.{what}"] for x in "qkv"])
    out["token_embedding.weight"] = state["text_model.embeddings.token_embedding.weight"]
    out["positional_embedding"] = state["text_model.embeddings.position_embedding.weight"]
    out["ln_final.weight"] = state["text_model.final_layer_norm.weight"]
    out["ln_final.bias"] = state["text_model.final_layer_norm.bias"]
    # open_clip multiplies x @ text_projection; transformers' Linear stores the transpose
    out["text_projection"] = state["text_projection.weight"].t().contiguous()
    out["logit_scale"] = torch.tensor(4.6052)
    return out


def ldm_state(m, family, dtype_unet=torch.float32, dtype_vae=torch.float32, dtype_text=torch.float32):
    """The whole single-file state_dict of `family` ("sd15" or "sdxl") from the tiny torch models."""
    from . import configs
    unet_cfg = configs.SD15_UNET if family == "sd15" else configs.SDXL_UNET
    vae_cfg = configs.SD15_VAE if family == "sd15" else configs.SDXL_VAE
    sd = {}
    for k, v in m[f"{family}.unet"].state_dict().items():
        sd["model.diffusion_model." + unet_name(k, unet_cfg)] = v.to(dtype_unet)
    for k, v in m[f"{family}.vae"].state_dict().items():
        name = vae_name(k, vae_cfg)
        sd["first_stage_model." + name] = vae_tensor(name, v).to(dtype_vae)
    if family == "sd15":
        for k, v in m["sd15.text_encoder"].state_dict().items():
            sd["cond_stage_model.transformer." + k] = v if k.endswith("position_ids") else v.to(dtype_text)
    else:
        for k, v in m["sdxl.text_encoder"].state_dict().items():
            sd["conditioner.embedders.0.transformer." + k] = v if k.endswith("position_ids") else v.to(dtype_text)
        for k, v in open_clip(m["sdxl.text_encoder_2"].state_dict()).items():
            sd["conditioner.embedders.1.model." + k] = v.to(dtype_text)
    return {k: v.detach().clone().contiguous() for k, v in sd.items()}


def ema_copy(state):
    """LDM's LitEma keeps `model_ema.<key without dots>` shadows of the UNet, plus decay/num_updates."""
    out = {"model_ema.decay": torch.tensor(0.9999), "model_ema.num_updates": torch.tensor(470000, dtype=torch.int32)}
    for k, v in state.items():
        if k.startswith("model.diffusion_model."):
            # a visibly different shadow, so a reader that picked the EMA weights would be caught
            out["model_ema." + k[len("model."):].replace(".", "")] = (v.float() * 0.5).to(v.dtype)
    return out
