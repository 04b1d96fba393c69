"""LoRA fixtures: one canonical (module, down, up, alpha) list per file, written in the key format
users meet (diffusers `lora_conversion_utils.py`, kohya sd-scripts), and the fp32 merge used for the torch references.

Merge (kohya `networks/merge_lora.py`, diffusers `LoRALinearLayer`): W += s * scale * up @ down,
scale = alpha / rank when the file stores alpha, else 1; 1x1 convs are reshaped to 2-D and back.
"""
import copy

import torch
from torch import nn

from .safetensors_io import save

ATTN = ("to_q", "to_k", "to_v", "to_out.0")
FF = ("ff.net.0.proj", "ff.net.2")
PROJ = ("proj_in", "proj_out")
TE_ATTN = ("q_proj", "k_proj", "v_proj", "out_proj")
TE_MLP = ("mlp.fc1", "mlp.fc2")


def unet_targets(unet, suffixes):
    out = []
    for name, module in unet.named_modules():
        if not isinstance(module, (nn.Linear, nn.Conv2d)) or ".attentions." not in "." + name:
            continue
        inside_block = ".transformer_blocks." in name
        if any(name.endswith("." + s) for s in suffixes if s in PROJ) and not inside_block:
            out.append(name)
        elif inside_block and any(name.endswith("." + s) for s in suffixes if s not in PROJ):
            out.append(name)
    return out


def te_targets(te, suffixes):
    return [name for name, m in te.named_modules()
            if isinstance(m, nn.Linear) and ".layers." in name and any(name.endswith("." + s) for s in suffixes)]


def make_entries(component, model, names, rank, gen, dtype, alpha=None, rel_std=0.25):
    """Random down/up whose product changes each weight by ~rel_std of its own std (sane but measurable).
    Values are rounded to the file dtype and kept as fp32, so the reference merges exactly what is stored."""
    modules = dict(model.named_modules())
    entries = []
    for name in names:
        w = modules[name].weight
        out_f, in_f = w.shape[0], w.shape[1]
        scale = (alpha / rank) if alpha is not None else 1.0
        down = torch.randn(rank, in_f, generator=gen) / rank ** 0.5
        up = torch.randn(out_f, rank, generator=gen) * (rel_std * w.detach().std().item() / scale)
        entries.append({"component": component, "module": name, "conv": w.dim() == 4,
                        "down": down.to(dtype).float(), "up": up.to(dtype).float(), "alpha": alpha})
    return entries


def tensor(e, which, dtype):
    t = e[which].to(dtype)
    if e["conv"]:  # 1x1 conv LoRA: down [r, in, 1, 1], up [out, r, 1, 1]
        t = t[:, :, None, None]
    return t


def merged(model, entries, component, strength):
    """A deep copy of `model` with the entries of `component` merged at `strength` (fp32)."""
    m = copy.deepcopy(model)
    modules = dict(m.named_modules())
    with torch.no_grad():
        for e in entries:
            if e["component"] != component:
                continue
            scale = (e["alpha"] / e["down"].shape[0]) if e["alpha"] is not None else 1.0
            delta = strength * scale * (e["up"] @ e["down"])
            w = modules[e["module"]].weight
            w += delta.reshape(w.shape)
    return m


# ---- key formats ---------------------------------------------------------------------------------

TE_PREFIX = {"text_encoder": "text_encoder", "text_encoder_2": "text_encoder_2"}


def key_peft_updown(e):
    if e["component"] == "unet":
        return f"unet.{e['module']}.lora.down.weight", f"unet.{e['module']}.lora.up.weight"
    base = f"{TE_PREFIX[e['component']]}.{e['module']}.lora_linear_layer"
    return base + ".down.weight", base + ".up.weight"


def key_peft_ab(e):
    prefix = "unet" if e["component"] == "unet" else TE_PREFIX[e["component"]]
    return f"{prefix}.{e['module']}.lora_A.weight", f"{prefix}.{e['module']}.lora_B.weight"


def key_attnproc(unet_prefix):
    def key(e):
        if e["component"] != "unet":
            return key_peft_updown(e)  # SDXL script Aug-Oct 2023: text encoders as lora_linear_layer
        parent, proj = e["module"].rsplit(".", 1)
        if proj == "0":  # to_out.0 is adapted by to_out_lora
            parent, proj = parent.rsplit(".", 1)
        base = f"{unet_prefix}{parent}.processor.{proj}_lora"
        return base + ".down.weight", base + ".up.weight"
    return key


def ldm_name(module):
    """diffusers -> LDM/sgm block names for layers_per_block = 2 (inverse of diffusers'
    `_maybe_map_sgm_blocks_to_diffusers`): down_blocks.b.attentions.j -> input_blocks.(3b+j+1).1,
    mid_block.attentions.0 -> middle_block.1, up_blocks.b.attentions.j -> output_blocks.(3b+j).1."""
    parts = module.split(".")
    if parts[0] == "down_blocks":
        return f"input_blocks.{3 * int(parts[1]) + int(parts[3]) + 1}.1." + ".".join(parts[4:])
    if parts[0] == "up_blocks":
        return f"output_blocks.{3 * int(parts[1]) + int(parts[3])}.1." + ".".join(parts[4:])
    assert parts[:3] == ["mid_block", "attentions", "0"], module
    return "middle_block.1." + ".".join(parts[3:])


def key_kohya(te_prefixes, ldm):
    def key(e):
        if e["component"] == "unet":
            name = "lora_unet_" + (ldm_name(e["module"]) if ldm else e["module"]).replace(".", "_")
        else:
            name = te_prefixes[e["component"]] + "_" + e["module"].replace(".", "_")
        return name + ".lora_down.weight", name + ".lora_up.weight"
    return key


def write(path, entries, key_fn, dtype, metadata):
    tensors = {}
    for e in entries:
        kd, ku = key_fn(e)
        assert kd not in tensors and ku not in tensors, f"duplicate LoRA key {kd}"
        tensors[kd] = tensor(e, "down", dtype)
        tensors[ku] = tensor(e, "up", dtype)
        if e["alpha"] is not None:
            tensors[kd.rsplit(".lora_down", 1)[0] + ".alpha"] = torch.tensor(e["alpha"], dtype=dtype)
    return save(path, tensors, metadata)


def write_loha(path, unet, gen):
    """A LyCORIS LoHa file (hada_w1_a/b, hada_w2_a/b, alpha) that loaders must reject by name."""
    tensors = {}
    for name in unet_targets(unet, ATTN)[:4]:
        w = dict(unet.named_modules())[name].weight
        key = "lora_unet_" + name.replace(".", "_")
        r = 4
        tensors[key + ".hada_w1_a"] = torch.randn(w.shape[0], r, generator=gen) * 0.1
        tensors[key + ".hada_w1_b"] = torch.randn(r, w.shape[1], generator=gen) * 0.1
        tensors[key + ".hada_w2_a"] = torch.randn(w.shape[0], r, generator=gen) * 0.1
        tensors[key + ".hada_w2_b"] = torch.randn(r, w.shape[1], generator=gen) * 0.1
        tensors[key + ".alpha"] = torch.tensor(float(r))
    return save(path, tensors, {"ss_network_module": "lycoris.kohya", "ss_network_args": '{"algo": "loha"}',
                                "ss_network_dim": "4", "ss_network_alpha": "4.0"})
