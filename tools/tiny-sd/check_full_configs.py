#!/usr/bin/python3
"""Builds every replica at its REAL configuration (read from ../shared/reference) on the meta device
and asserts the real parameter counts, plus the real SD1.x UNet export's named tensors.

Run: /usr/bin/python3 tools/tiny-sd/check_full_configs.py   (about 10 s, < 1 GB RSS: no weights are allocated)

Expected counts and their independent sources (also in README.md):
- SD1.5 UNet 859,520,964; VAE 83,653,863; CLIP ViT-L/14 text 123,060,480: `sum(p.numel())` printouts of the
  real diffusers/transformers modules quoted in public code (e.g. DeepSpeed-MII README comment "SD param count:
  text_encoder: 123060480 unet: 859520964 vae: 83653863"; a diffusers pipeline test asserting
  `vae.num_parameters() == 83653863`). CLIP-L text also by hand: embeddings 49408*768+77*768 = 38,004,480,
  12 layers * 7,087,872 = 85,054,464, final LayerNorm 1,536.
- SDXL UNet 2,567,463,684: training logs of diffusers' SDXL DreamBooth ("unet params = 2567463684") and
  component tables of SDXL tooling that count the real safetensors.
- OpenCLIP bigG text + projection 694,659,840: pipeline component tables (SD3/SDXL `text_encoder_2 694659840`);
  by hand: embeddings 63,340,800 + 32 layers * 19,677,440 + final LayerNorm 2,560 + projection 1,638,400.
- RealESRGAN_x4plus RRDBNet 16,697,987: super-resolution benchmark tables listing Real-ESRGAN's parameter count
  and `params_count: 16697987` for RealESRGAN_x4 in public model registries.
- The safety checker (CLIP ViT-L/14 vision tower + projection + concept embeddings) is printed, not asserted:
  no independent count was found.
"""
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from loom_tiny_sd.clip import CLIPTextModel, CLIPTextModelWithProjection  # noqa: E402
from loom_tiny_sd.esrgan import REAL_X4PLUS, RRDBNet  # noqa: E402
from loom_tiny_sd.meta import count_parameters, meta_device  # noqa: E402
from loom_tiny_sd.paths import REFERENCE  # noqa: E402
from loom_tiny_sd.safety import StableDiffusionSafetyChecker  # noqa: E402
from loom_tiny_sd.unet import UNet2DConditionModel  # noqa: E402
from loom_tiny_sd.vae import AutoencoderKL  # noqa: E402

EXPECTED = [
    ("SD1.5 UNet", UNet2DConditionModel, "sd15-onnx-export/unet/config.json", 859_520_964),
    ("SD1.x CLIP ViT-L/14 text encoder", CLIPTextModel, "sd15-onnx-export/text_encoder/config.json", 123_060_480),
    ("SD1.x VAE (AutoencoderKL)", AutoencoderKL, "sd15-onnx-export/vae/config.json", 83_653_863),
    ("SDXL UNet", UNet2DConditionModel, "sdxl-base/unet/config.json", 2_567_463_684),
    ("SDXL text_encoder (CLIP ViT-L)", CLIPTextModel, "sdxl-base/text_encoder/config.json", 123_060_480),
    ("SDXL text_encoder_2 (OpenCLIP bigG + projection)", CLIPTextModelWithProjection,
     "sdxl-base/text_encoder_2/config.json", 694_659_840),
    ("SDXL VAE", AutoencoderKL, "sdxl-base/vae_decoder/config.json", 83_653_863),
]


def load(rel):
    return json.loads((REFERENCE / rel).read_text())


def check_named_unet_tensors(unet):
    """Every named (non `onnx::`; the list writes them with `::`) initializer of the real SD1.4 UNet export must be one of our state_dict keys."""
    names = (REFERENCE / "sd15-onnx-export/unet/external-tensor-names.txt").read_text().split()
    named = [n for n in names if not n.startswith("onnx")]
    keys = set(unet.state_dict().keys())
    missing = [n for n in named if n not in keys]
    assert not missing, f"real export tensors missing from the replica: {missing[:5]}"
    matmuls = [n for n in names if n.startswith("onnx::MatMul")]
    print(f"  real export: {len(named)} named tensors all present; {len(matmuls)} anonymous onnx::MatMul tensors")
    return len(matmuls)


def main():
    failures = 0
    with meta_device():
        for label, cls, rel, expected in EXPECTED:
            model = cls(load(rel))
            n = count_parameters(model)
            ok = n == expected
            failures += not ok
            print(f"{'OK ' if ok else 'BAD'} {label}: {n:,} (expected {expected:,}) from {rel}")
            if rel == "sd15-onnx-export/unet/config.json":
                matmuls = check_named_unet_tensors(model)
                # 16 transformer blocks x 10 Linear layers on 3-D input (attn1 q,k,v,out; attn2 q,k,v,out; ff 2)
                n_blocks = sum(len(a.transformer_blocks) for b in list(model.down_blocks) + [model.mid_block]
                               + list(model.up_blocks) for a in getattr(b, "attentions", []))
                assert matmuls == n_blocks * 10, (matmuls, n_blocks)
        checker = StableDiffusionSafetyChecker(load("sd15-onnx-export/safety_checker/config.json"))
        print(f"INFO safety checker (CLIP ViT-L/14 vision + projection + concepts): {count_parameters(checker):,}")
        n = count_parameters(RRDBNet(**REAL_X4PLUS))
        failures += n != 16_697_987
        print(f"{'OK ' if n == 16_697_987 else 'BAD'} RealESRGAN_x4plus RRDBNet: {n:,} (expected 16,697,987)")
    if failures:
        sys.exit(f"{failures} parameter count(s) differ")
    print("all full-config parameter counts match")


if __name__ == "__main__":
    main()
