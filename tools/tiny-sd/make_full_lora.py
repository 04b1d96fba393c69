#!/usr/bin/python3
"""Writes a random rank-16 LoRA for the SD1.5-size UNet in the PEFT-era diffusers format
(`unet.<module>.to_q.lora.down.weight`, attention to_q/k/v/to_out.0 only, F32, {"format": "pt"}):
models/_large/sd15-unet-random/loras/pytorch_lora_weights_16.safetensors (~12 MB, seconds, < 1 GB RSS).
Usage: /usr/bin/python3 tools/tiny-sd/make_full_lora.py
"""
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import torch  # noqa: E402

from loom_tiny_sd import lora  # noqa: E402
from loom_tiny_sd.meta import meta_device  # noqa: E402
from loom_tiny_sd.paths import REFERENCE, REPO  # noqa: E402
from loom_tiny_sd.safetensors_io import save  # noqa: E402
from loom_tiny_sd.unet import UNet2DConditionModel  # noqa: E402

RANK = 16
OUT = REPO / "models" / "_large" / "sd15-unet-random" / "loras" / f"pytorch_lora_weights_{RANK}.safetensors"


def main():
    config = json.loads((REFERENCE / "sd15-onnx-export/unet/config.json").read_text())
    with meta_device():  # shapes only: the LoRA does not need the UNet's weights
        unet = UNet2DConditionModel(config)
    modules = dict(unet.named_modules())
    gen = torch.Generator().manual_seed(16)
    tensors = {}
    for name in lora.unet_targets(unet, lora.ATTN):
        out_f, in_f = modules[name].weight.shape
        # the diffusers scripts init down ~ N(0, 1/r) ("gaussian") and train up from zero; a trained up
        # is small: 1e-3 keeps the merged UNet's numbers sane
        tensors[f"unet.{name}.lora.down.weight"] = torch.randn(RANK, in_f, generator=gen) / RANK
        tensors[f"unet.{name}.lora.up.weight"] = torch.randn(out_f, RANK, generator=gen) * 1e-3
    save(OUT, tensors, {"format": "pt"})
    print(f"{OUT}: {len(tensors)} tensors, {OUT.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
