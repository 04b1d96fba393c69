"""The graph builder's fixtures (test/fixtures/builder): the tiny replicas' weights in diffusers naming,
as a diffusers folder holds them (`<component>/config.json` + `.safetensors`), plus torch references for
the components stored in float16.

- tiny-sd15: every component float32, the same seeded weights as models/tiny-sd15 (so a pipeline built
  from them can be compared with that ONNX export); references: test/fixtures/reference/tiny-sd15.
- tiny-sdxl: UNet and VAE float16, text encoders float32 (the layout of a real SDXL diffusers folder);
  references for the float32 text encoders: test/fixtures/reference/tiny-sdxl; for the float16 UNet and
  VAE: `refs.safetensors` here, torch float32 math on the float16-rounded weights and the same inputs.
- full-size.json: names and shapes of the real SD1.5 and SDXL components (no weights), see `full_size`.
"""
import json
import shutil
import struct

import numpy as np
import torch

from . import configs
from .paths import REPO
from .references import fp16_rounded, run_unet, run_vae
from .safetensors_io import save

OUT = REPO / "test" / "fixtures" / "builder"
NP = {"F32": np.float32, "F16": np.float16, "I64": np.int64, "I32": np.int32}


def load(path):
    """Reads a safetensors file (format: huggingface/safetensors README) into torch tensors."""
    raw = path.read_bytes()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    out = {}
    for name, h in header.items():
        if name == "__metadata__":
            continue
        a, b = h["data_offsets"]
        out[name] = torch.from_numpy(np.frombuffer(raw[8 + n + a:8 + n + b], dtype=NP[h["dtype"]]).reshape(h["shape"]).copy())
    return out


def weights(module, dtype):
    # parameters only: buffers such as CLIP's position_ids are not weights (recent transformers drop them too)
    return {k: v.detach().to(dtype) for k, v in module.named_parameters()}


def component(root, name, module, config, file, dtype):
    d = root / name
    d.mkdir(parents=True, exist_ok=True)
    (d / "config.json").write_text(json.dumps({**config, "torch_dtype": "float16" if dtype == torch.float16 else "float32"},
                                              indent=2, sort_keys=True) + "\n")
    save(d / file, weights(module, dtype))


def build(m):
    """Writes test/fixtures/builder from the seeded models `m` (needs test/fixtures/reference/tiny-sdxl)."""
    shutil.rmtree(OUT, ignore_errors=True)
    F32, F16 = torch.float32, torch.float16
    sd15 = OUT / "tiny-sd15"
    component(sd15, "text_encoder", m["sd15.text_encoder"], configs.SD15_TEXT, "model.safetensors", F32)
    component(sd15, "unet", m["sd15.unet"], configs.SD15_UNET, "diffusion_pytorch_model.safetensors", F32)
    component(sd15, "vae", m["sd15.vae"], configs.SD15_VAE, "diffusion_pytorch_model.safetensors", F32)
    xl = OUT / "tiny-sdxl"
    component(xl, "text_encoder", m["sdxl.text_encoder"], configs.SDXL_TEXT, "model.safetensors", F32)
    component(xl, "text_encoder_2", m["sdxl.text_encoder_2"], configs.SDXL_TEXT_2, "model.safetensors", F32)
    component(xl, "unet", m["sdxl.unet"], configs.SDXL_UNET, "diffusion_pytorch_model.fp16.safetensors", F16)
    component(xl, "vae", m["sdxl.vae"], configs.SDXL_VAE, "diffusion_pytorch_model.fp16.safetensors", F16)
    x = load(REPO / "test" / "fixtures" / "reference" / "tiny-sdxl" / "inputs.safetensors")
    refs = {**run_unet(fp16_rounded(m["sdxl.unet"]), x), **run_vae(fp16_rounded(m["sdxl.vae"]), x)}
    save(xl / "refs.safetensors", refs)
    full_size()


FULL = [  # (key, replica, real config)
    ("sd15/unet", "unet", "sd15-onnx-export/unet/config.json"),
    ("sd15/text_encoder", "clip", "sd15-onnx-export/text_encoder/config.json"),
    ("sd15/vae", "vae", "sd15-onnx-export/vae/config.json"),
    ("sdxl/unet", "unet", "sdxl-base/unet/config.json"),
    ("sdxl/text_encoder_2", "clip2", "sdxl-base/text_encoder_2/config.json"),
]


def full_size():
    """test/fixtures/builder/full-size.json: the real configs (../shared/reference) and every parameter's
    name and shape of the full-size replicas, built on the meta device (no weights), so the builder's graph
    for a real SD1.5/SDXL model can be checked without GBs of weights. One tensor per line, for diffs."""
    from .clip import CLIPTextModel, CLIPTextModelWithProjection
    from .meta import meta_device
    from .paths import REFERENCE
    from .unet import UNet2DConditionModel
    from .vae import AutoencoderKL
    cls = {"unet": UNet2DConditionModel, "clip": CLIPTextModel, "clip2": CLIPTextModelWithProjection,
           "vae": AutoencoderKL}
    lines = ["{"]
    for k, (key, kind, path) in enumerate(FULL):
        config = json.loads((REFERENCE / path).read_text())
        with meta_device():
            model = cls[kind](config)
        tensors = [f'    [{json.dumps(n)}, {json.dumps(list(p.shape))}]' for n, p in model.named_parameters()]
        lines.append(f'  {json.dumps(key)}: {{"config": {json.dumps(config, sort_keys=True)}, "tensors": [')
        lines.append(",\n".join(tensors))
        lines.append("  ]}" + ("," if k < len(FULL) - 1 else ""))
    lines.append("}")
    (OUT / "full-size.json").write_text("\n".join(lines) + "\n")
