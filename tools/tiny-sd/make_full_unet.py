#!/usr/bin/python3
"""Writes an SD1.5-size UNet (859,520,964 random parameters) in the Optimum layout, for benchmarks at
real scale: models/_large/sd15-unet-random/unet/{model.onnx, model.onnx_data, config.json}, and the same
weights as a diffusers folder's UNet (float32 safetensors in diffusers naming, for the graph builder's
bench): models/_large/sd15-unet-random/diffusers/unet/{diffusion_pytorch_model.safetensors, config.json}.
Not committed (models/_large/ is git-ignored).

Cost measured on the 2-core / 24 GB machine (README.md): ~15 min wall on a shared machine, peak RSS
11 GB, ~6.9 GB written (torch's per-tensor staging files plus the collated copy), 3.44 GB at the end.
Usage: /usr/bin/python3 tools/tiny-sd/make_full_unet.py
"""
import json
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import onnx  # noqa: E402
import torch  # noqa: E402

from loom_tiny_sd import layouts  # noqa: E402
from loom_tiny_sd.meta import count_parameters  # noqa: E402
from loom_tiny_sd.paths import REFERENCE, REPO  # noqa: E402
from loom_tiny_sd.safetensors_io import save  # noqa: E402
from loom_tiny_sd.unet import UNet2DConditionModel  # noqa: E402

OUT = REPO / "models" / "_large" / "sd15-unet-random" / "unet"
DIFFUSERS = OUT.parent / "diffusers" / "unet"


def main():
    t0 = time.time()
    config = json.loads((REFERENCE / "sd15-onnx-export/unet/config.json").read_text())
    torch.manual_seed(0)
    unet = UNet2DConditionModel(config).eval()
    assert count_parameters(unet) == 859_520_964
    save(DIFFUSERS / "diffusion_pytorch_model.safetensors", {k: v.detach() for k, v in unet.named_parameters()})
    (DIFFUSERS / "config.json").write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")
    print(f"diffusers safetensors: {time.time() - t0:.0f} s")
    staging = OUT.parent / "_torch_export"
    for old in (OUT, staging):
        shutil.rmtree(old, ignore_errors=True)
    # torch switches to per-tensor external files by itself above 2 GB (the >2 GB export layout)
    layouts.optimum_unet(unet, staging, scalar_timestep=False)
    del unet
    t1 = time.time()
    print(f"torch.onnx.export: {t1 - t0:.0f} s")
    model = onnx.load(str(staging / "model.onnx"))
    OUT.mkdir(parents=True, exist_ok=True)
    # optimum/exporters/onnx/convert.py: one `model.onnx_data`, tensors under 1 kB inline
    onnx.save_model(model, str(OUT / "model.onnx"), save_as_external_data=True, all_tensors_to_one_file=True,
                    location="model.onnx_data", size_threshold=1024, convert_attribute=True)
    del model
    shutil.rmtree(staging)
    (OUT / "config.json").write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")
    sizes = {p.name: p.stat().st_size for p in OUT.iterdir()}
    print(f"collated to model.onnx_data: {time.time() - t1:.0f} s; files: {sizes}")


if __name__ == "__main__":
    main()
