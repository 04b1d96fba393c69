#!/usr/bin/python3
"""test/fixtures/checkpoints/full-shapes.json: the tensor names and shapes of real single-file SD1.5
and SDXL checkpoints, for the shape-only detection test (issue 15), without any weights.

The replicas are built at the real configurations from ../shared/reference on the meta device, named in
the LDM layout by loom_tiny_sd/ldm_names.py; the file also carries those real diffusers configs and, per
component, the count and sha256 of the sorted diffusers tensor names the reader must produce.
Usage: /usr/bin/python3 tools/tiny-sd/make_full_shapes.py     (about 10 s, no weights allocated)
"""
import hashlib
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from loom_tiny_sd import ldm_names, manifest  # noqa: E402
from loom_tiny_sd.clip import CLIPTextModel, CLIPTextModelWithProjection  # noqa: E402
from loom_tiny_sd.meta import meta_device  # noqa: E402
from loom_tiny_sd.paths import REFERENCE, REPO  # noqa: E402
from loom_tiny_sd.unet import UNet2DConditionModel  # noqa: E402
from loom_tiny_sd.vae import AutoencoderKL  # noqa: E402

FAMILIES = {
    "sd15": {"unet": "sd15-onnx-export/unet", "vae": "sd15-onnx-export/vae", "text_encoder": "sd15-onnx-export/text_encoder"},
    "sdxl": {"unet": "sdxl-base/unet", "vae": "sdxl-base/vae_decoder", "text_encoder": "sdxl-base/text_encoder",
             "text_encoder_2": "sdxl-base/text_encoder_2"},
}
CLASSES = {"unet": UNet2DConditionModel, "vae": AutoencoderKL, "text_encoder": CLIPTextModel,
           "text_encoder_2": CLIPTextModelWithProjection}


def names_digest(names):
    joined = "\n".join(sorted(names)).encode()
    return {"count": len(names), "sha256": hashlib.sha256(joined).hexdigest()}


def family(name, folders):
    configs = {c: json.loads((REFERENCE / rel / "config.json").read_text()) for c, rel in folders.items()}
    models = {c: CLASSES[c](cfg) for c, cfg in configs.items()}
    m = {f"{name}.{c}": model for c, model in models.items()}
    # ldm_state reads the tiny configs for block bookkeeping; give it the real ones
    from loom_tiny_sd import configs as tiny
    saved = (tiny.SD15_UNET, tiny.SD15_VAE, tiny.SDXL_UNET, tiny.SDXL_VAE)
    tiny.SD15_UNET = tiny.SDXL_UNET = configs["unet"]
    tiny.SD15_VAE = tiny.SDXL_VAE = configs["vae"]
    try:
        state = ldm_names.ldm_state(m, name)
    finally:
        tiny.SD15_UNET, tiny.SD15_VAE, tiny.SDXL_UNET, tiny.SDXL_VAE = saved
    expected = {c: names_digest([k for k in model.state_dict() if not (c == "text_encoder_2" and k.endswith("position_ids"))])
                for c, model in models.items()}
    return {"ldm": {k: list(v.shape) for k, v in state.items()}, "configs": configs, "diffusers_names": expected}


def main():
    with meta_device():
        doc = {name: family(name, folders) for name, folders in FAMILIES.items()}
    out = REPO / "test/fixtures/checkpoints/full-shapes.json"
    out.write_text(json.dumps(doc, separators=(",", ":"), sort_keys=True) + "\n")
    print(f"{out}: {out.stat().st_size:,} bytes, " + ", ".join(f"{k}: {len(v['ldm'])} tensors" for k, v in doc.items()))
    manifest.build()


if __name__ == "__main__":
    main()
