"""The LoRA fixture set: which file, which key format, which modules, which dtype (README table)."""
import torch

from . import lora
from .paths import REPO

RANKS = (4, 8, 16)
DIFFUSERS_META = {"format": "pt"}
KOHYA_ALPHA = 4.0  # scale = alpha / rank = 1, 0.5, 0.25 for ranks 4, 8, 16

# format -> dtype per rank
DTYPES = {
    "seed": {4: torch.float32, 8: torch.float32, 16: torch.float32},
    "attnproc": {4: torch.float16, 8: torch.float16, 16: torch.float16},
    "peft-ab": {4: torch.bfloat16, 8: torch.bfloat16, 16: torch.bfloat16},
    "peft-updown": {4: torch.float32, 8: torch.float32, 16: torch.float32},
    "kohya": {4: torch.float16, 8: torch.bfloat16, 16: torch.float32},
}
DTYPE_NAME = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16"}


# module families per format: the diffusers scripts adapt attention only; kohya adapts every Linear of
# Transformer2DModel and CLIPAttention/CLIPMLP; the PEFT files split ff / proj / mlp between them so the
# set covers every family once more without exceeding the size budget.
COVERAGE = {
    "seed": (lora.ATTN, lora.TE_ATTN),
    "attnproc": (lora.ATTN, lora.TE_ATTN),
    "peft-ab": (lora.ATTN + lora.PROJ, lora.TE_ATTN + lora.TE_MLP),
    "peft-updown": (lora.ATTN + lora.FF, lora.TE_ATTN),
    "kohya": (lora.ATTN + lora.FF + lora.PROJ, lora.TE_ATTN + lora.TE_MLP),
}


def targets(fmt, m, flavour):
    """[(component, model, module names)] each format covers."""
    unet = m[f"{flavour}.unet"]
    tes = ["text_encoder"] + (["text_encoder_2"] if flavour == "sdxl" else [])
    unet_s, te_s = COVERAGE[fmt]
    if flavour == "sdxl" and fmt == "peft-updown":
        unet_s = lora.ATTN  # SDXL's feed-forward layers are covered by the kohya file (size budget)
    if flavour == "sd15" and fmt in ("seed", "attnproc"):
        tes = []  # the SD1.x scripts of those eras train the UNet only
    out = [("unet", unet, lora.unet_targets(unet, unet_s))]
    for te in tes:
        model = m[f"{flavour}.{te}"]
        out.append((te, model, lora.te_targets(model, te_s)))
    return out


def key_fn(fmt, flavour):
    if fmt in ("seed", "peft-updown"):
        return lora.key_peft_updown
    if fmt == "peft-ab":
        return lora.key_peft_ab
    if fmt == "attnproc":
        return lora.key_attnproc("" if flavour == "sd15" else "unet.")
    te = {"text_encoder": "lora_te"} if flavour == "sd15" else {"text_encoder": "lora_te1", "text_encoder_2": "lora_te2"}
    return lora.key_kohya(te, ldm=flavour == "sdxl")


def path_of(fmt, flavour, rank):
    name = f"pytorch_lora_weights_{rank}.safetensors"
    if fmt == "seed":
        return REPO / "models" / "loras" / f"tiny-{flavour}" / name
    return REPO / "test" / "fixtures" / "loras" / flavour / fmt / name


def metadata(fmt, flavour, rank):
    if fmt != "kohya":
        return DIFFUSERS_META
    return {"ss_network_module": "networks.lora", "ss_network_dim": str(rank), "ss_network_alpha": str(KOHYA_ALPHA),
            "ss_base_model_version": "sd_v1" if flavour == "sd15" else "sdxl_base_v1-0"}


def build(m):
    """Writes every LoRA file; returns descriptors with the canonical entries for the references."""
    out = []
    seed = 1000
    for flavour in ("sd15", "sdxl"):
        for fmt in DTYPES:
            for rank in RANKS:
                seed += 1
                gen = torch.Generator().manual_seed(seed)
                dtype = DTYPES[fmt][rank]
                alpha = KOHYA_ALPHA if fmt == "kohya" else None
                entries = [e for comp, model, names in targets(fmt, m, flavour)
                           for e in lora.make_entries(comp, model, names, rank, gen, dtype, alpha)]
                path = lora.write(path_of(fmt, flavour, rank), entries, key_fn(fmt, flavour), dtype,
                                  metadata(fmt, flavour, rank))
                out.append({"flavour": flavour, "format": fmt, "rank": rank, "dtype": DTYPE_NAME[dtype],
                            "path": path, "entries": entries, "alpha": alpha,
                            "components": sorted({e["component"] for e in entries})})
    lora.write_loha(REPO / "test" / "fixtures" / "loras" / "sd15" / "loha" / "loha.safetensors", m["sd15.unet"],
                    torch.Generator().manual_seed(999))
    return out
