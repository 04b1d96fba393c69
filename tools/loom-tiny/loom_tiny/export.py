"""Stage `export`: the trained models in the Optimum SD1.5 layout as `models/loom-tiny` (the fixtures'
exporters: torch.onnx.export, opset 17, constant folding), the LoRAs in the seed's diffusers format as
`models/loras/loom-tiny/pytorch_lora_weights_{rank}.safetensors`, and the held-out prompts."""
import shutil

from loom_tiny_sd import bpe, layouts
from loom_tiny_sd import lora as lora_format
from loom_tiny_sd.lora_fixtures import DIFFUSERS_META

import torch

from . import configs, data, fixtures, train_lora, train_unet, train_vae
from .paths import LORA_DIR, MODEL_DIR

W = layouts.write_json
SIZE_BUDGET = 30 * 1024 * 1024
RANKS = (4, 8, 16)


def export_model():
    shutil.rmtree(MODEL_DIR, ignore_errors=True)
    unet, text = train_unet.trained()
    vae = train_vae.trained()
    vae_config = {**configs.VAE, "scaling_factor": round(train_vae.encode_all()["scaling_factor"], 5)}
    W(MODEL_DIR / "model_index.json", configs.MODEL_INDEX)
    W(MODEL_DIR / "scheduler" / "scheduler_config.json", configs.SCHEDULER)
    bpe.write(MODEL_DIR / "tokenizer", data.merges(), bpe.EOS, "loom/loom-tiny/tokenizer")
    layouts.optimum_text_encoder(text, MODEL_DIR / "text_encoder", hidden_states=False)
    W(MODEL_DIR / "text_encoder" / "config.json", configs.TEXT)
    layouts.optimum_unet(unet, MODEL_DIR / "unet", scalar_timestep=False)
    W(MODEL_DIR / "unet" / "config.json", configs.UNET)
    layouts.optimum_vae_encoder(vae, MODEL_DIR / "vae_encoder")
    W(MODEL_DIR / "vae_encoder" / "config.json", vae_config)
    layouts.optimum_vae_decoder(vae, MODEL_DIR / "vae_decoder")
    W(MODEL_DIR / "vae_decoder" / "config.json", vae_config)
    size = sum(f.stat().st_size for f in MODEL_DIR.rglob("*") if f.is_file())
    assert size <= SIZE_BUDGET, f"models/loom-tiny is {size:,} bytes, over the 30 MB budget"
    print(f"[export] models/loom-tiny: {size / 1e6:.1f} MB")


def write_lora(path, entries):
    """One LoRA file in the seed's diffusers format; `entries` from train_lora.entries (any recipe:
    an experiment's LoRA goes into a copy of models/ this way, for `npm run quality -- --models`)."""
    lora_format.write(path, entries, lora_format.key_peft_updown, torch.float32, DIFFUSERS_META)
    print(f"[export] {path}: {path.stat().st_size / 1e3:.0f} kB")


def export_loras():
    entries = {rank: train_lora.entries(rank) for rank in RANKS}  # before clearing: a stage not done leaves the files as they are
    shutil.rmtree(LORA_DIR, ignore_errors=True)
    for rank in RANKS:
        write_lora(LORA_DIR / f"pytorch_lora_weights_{rank}.safetensors", entries[rank])


def export_all():
    torch.manual_seed(0)  # the exporters' dummy inputs
    export_model()
    export_loras()
    fixtures.held_out_file()
