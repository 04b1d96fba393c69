"""test/fixtures/checkpoints: the tiny torch models saved the ways users' files come (issue 15).

Diffusers folders (save_pretrained layout, F16 UNet/VAE, F32 text encoders, one `.bin` pickle),
single-file LDM checkpoints (.safetensors with an A1111 .yaml, a zip `.ckpt` with EMA shadows, a
legacy-format pickle of a standalone VAE), and hostile/truncated files for the readers' refusals.
Same seeded weights as models/tiny-sd15 and models/tiny-sdxl (models.build_all()).
"""
import json
import os
import pickle
import shutil

import torch

from . import bpe, configs, ldm_names, safetensors_io


def write_json(path, obj):
    """As layouts.write_json (which imports the ONNX exporter; this module needs only torch)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2, sort_keys=True) + "\n")

HOSTILE_MARKER = "/tmp/loom-hostile-pickle-executed"
DIFFUSERS_VERSION = configs.DIFFUSERS_VERSION


def _half(state):
    return {k: v.detach().to(torch.float16).contiguous() for k, v in state.items()}


def _f32_text(state):
    # position_ids is an int64 buffer that transformers saves too
    return {k: v.detach().contiguous() for k, v in state.items()}


def sd15_index():
    return {"_class_name": "StableDiffusionPipeline", "_diffusers_version": DIFFUSERS_VERSION,
            "feature_extractor": [None, None], "image_encoder": [None, None], "requires_safety_checker": False,
            "safety_checker": [None, None], "scheduler": ["diffusers", "PNDMScheduler"],
            "text_encoder": ["transformers", "CLIPTextModel"], "tokenizer": ["transformers", "CLIPTokenizer"],
            "unet": ["diffusers", "UNet2DConditionModel"], "vae": ["diffusers", "AutoencoderKL"]}


def sdxl_index():
    return {"_class_name": "StableDiffusionXLPipeline", "_diffusers_version": DIFFUSERS_VERSION,
            "feature_extractor": [None, None], "force_zeros_for_empty_prompt": True, "image_encoder": [None, None],
            "scheduler": ["diffusers", "EulerDiscreteScheduler"], "text_encoder": ["transformers", "CLIPTextModel"],
            "text_encoder_2": ["transformers", "CLIPTextModelWithProjection"],
            "tokenizer": ["transformers", "CLIPTokenizer"], "tokenizer_2": ["transformers", "CLIPTokenizer"],
            "unet": ["diffusers", "UNet2DConditionModel"], "vae": ["diffusers", "AutoencoderKL"]}


def save_component(root, name, config, state, filename):
    """One save_pretrained component folder: config.json and its weights file (.safetensors or a .bin pickle)."""
    write_json(root / name / "config.json", config)
    if filename.endswith(".bin"):
        torch.save(state, root / name / filename)
    else:
        safetensors_io.save(root / name / filename, state)


def sd15_diffusers(m, merges, root):
    """save_pretrained layout; the UNet as the fp16 variant file, the VAE stored in F16 under the plain name."""
    write_json(root / "model_index.json", sd15_index())
    write_json(root / "scheduler" / "scheduler_config.json", configs.PNDM)
    bpe.write(root / "tokenizer", merges, bpe.EOS, "loom/tiny-sd/tokenizer")
    save_component(root, "unet", configs.SD15_UNET, _half(m["sd15.unet"].state_dict()), "diffusion_pytorch_model.fp16.safetensors")
    save_component(root, "vae", configs.SD15_VAE, _half(m["sd15.vae"].state_dict()), "diffusion_pytorch_model.safetensors")
    save_component(root, "text_encoder", configs.SD15_TEXT, _f32_text(m["sd15.text_encoder"].state_dict()), "model.safetensors")


def sdxl_diffusers(m, merges, root):
    """As sd15_diffusers; text_encoder_2 as a transformers `pytorch_model.bin` (torch.save zip pickle)."""
    write_json(root / "model_index.json", sdxl_index())
    write_json(root / "scheduler" / "scheduler_config.json", configs.EULER)
    bpe.write(root / "tokenizer", merges, bpe.EOS, "loom/tiny-sd/tokenizer")
    bpe.write(root / "tokenizer_2", merges, "!", "loom/tiny-sd/tokenizer_2")
    save_component(root, "unet", configs.SDXL_UNET, _half(m["sdxl.unet"].state_dict()), "diffusion_pytorch_model.safetensors")
    save_component(root, "vae", configs.SDXL_VAE, _half(m["sdxl.vae"].state_dict()), "diffusion_pytorch_model.safetensors")
    save_component(root, "text_encoder", configs.SDXL_TEXT, _f32_text(m["sdxl.text_encoder"].state_dict()), "model.safetensors")
    save_component(root, "text_encoder_2", configs.SDXL_TEXT_2, _f32_text(m["sdxl.text_encoder_2"].state_dict()), "pytorch_model.bin")


# the tiny VAE's ddconfig, the same in both families' yaml (`norm_num_groups` is a Loom extension)
VAE_PARAMS = """        embed_dim: 4
        ddconfig:
          double_z: true
          z_channels: 4
          resolution: 64
          in_channels: 3
          out_ch: 3
          ch: 8
          ch_mult: [ 1, 2, 4, 4 ]
          num_res_blocks: 1
          attn_resolutions: []
          dropout: 0.0
          norm_num_groups: 8
"""


def sd15_yaml(inpaint=False):
    """A1111's v1-inference.yaml with the tiny sizes (v1-inpainting-inference.yaml with `inpaint`). `norm_num_groups`
    and the text encoder's `num_attention_heads` are Loom extensions: real SD always uses 32 groups and 64-wide heads,
    which shapes cannot tell from the tiny models' 8 groups and 8-wide heads."""
    text = """model:
  base_learning_rate: 1.0e-04
  target: ldm.models.diffusion.ddpm.LatentDiffusion
  params:
    linear_start: 0.00085
    linear_end: 0.0120
    timesteps: 1000
    image_size: 8
    channels: 4
    conditioning_key: crossattn
    scale_factor: 0.18215
    use_ema: False
    unet_config:
      target: ldm.modules.diffusionmodules.openaimodel.UNetModel
      params:
        image_size: 8
        in_channels: 4
        out_channels: 4
        model_channels: 16
        attention_resolutions: [ 1 ]
        num_res_blocks: 1
        channel_mult: [ 1, 2 ]
        num_heads: 8
        use_spatial_transformer: True
        transformer_depth: 1
        context_dim: 32
        use_checkpoint: True
        legacy: False
        norm_num_groups: 8
    first_stage_config:
      target: ldm.models.autoencoder.AutoencoderKL
      params:
{VAE_PARAMS}    cond_stage_config:
      target: ldm.modules.encoders.modules.FrozenCLIPEmbedder
      params:
        num_attention_heads: 4
""".replace("{VAE_PARAMS}", VAE_PARAMS)
    if inpaint:
        text = (text.replace("ddpm.LatentDiffusion", "ddpm.LatentInpaintDiffusion").replace("conditioning_key: crossattn", "conditioning_key: hybrid")
                .replace("in_channels: 4", "in_channels: 9"))
    return text


def sdxl_yaml():
    """sgm's sd_xl_base.yaml with the tiny sizes (same Loom extensions as sd15_yaml, and the latent
    `image_size` that v1 yamls have and sgm's lack)."""
    return """model:
  target: sgm.models.diffusion.DiffusionEngine
  params:
    scale_factor: 0.13025
    image_size: 8
    disable_first_stage_autocast: True
    network_config:
      target: sgm.modules.diffusionmodules.openaimodel.UNetModel
      params:
        adm_in_channels: 96
        num_classes: sequential
        in_channels: 4
        out_channels: 4
        model_channels: 16
        attention_resolutions: [ 2, 4 ]
        num_res_blocks: 2
        channel_mult: [ 1, 1, 2 ]
        num_head_channels: 16
        use_linear_in_transformer: True
        transformer_depth: [ 0, 1, 2 ]
        context_dim: 80
        legacy: False
        norm_num_groups: 8
    conditioner_config:
      target: sgm.modules.GeneralConditioner
      params:
        emb_models:
          - is_trainable: False
            input_key: txt
            target: sgm.modules.encoders.modules.FrozenCLIPEmbedder
            params:
              layer: hidden
              layer_idx: 11
              num_attention_heads: 4
          - is_trainable: False
            input_key: txt
            target: sgm.modules.encoders.modules.FrozenOpenCLIPEmbedder2
            params:
              arch: ViT-bigG-14
              version: laion2b_s39b_b160k
              freeze: True
              layer: penultimate
              always_return_pooled: True
              legacy: False
              num_attention_heads: 4
    first_stage_config:
      target: sgm.models.autoencoder.AutoencoderKLInferenceWrapper
      params:
{VAE_PARAMS}""".replace("{VAE_PARAMS}", VAE_PARAMS)


class Hostile:
    """A pickle payload whose unpickling would run a shell command (pickle's __reduce__ protocol)."""

    def __reduce__(self):
        return (os.system, (f"echo executed > {HOSTILE_MARKER}",))


def single_files(m, merges, root):
    sd15 = ldm_names.ldm_state(m, "sd15", torch.float16, torch.float16, torch.float16)
    safetensors_io.save(root / "tiny-sd15.safetensors", sd15, {"format": "pt"})
    (root / "tiny-sd15.yaml").write_text(sd15_yaml())
    # the classic full .ckpt: the UNet with its EMA shadows, inside {"state_dict": ...}; F16 but for
    # the F32 text encoder (an all-F32 file would double the fixture's size)
    full = ldm_names.ldm_state(m, "sd15", torch.float16, torch.float16, torch.float32)
    full.update(ldm_names.ema_copy({k: v.half() for k, v in full.items() if k.startswith("model.")}))
    torch.save({"epoch": 6, "global_step": 470000, "state_dict": full}, root / "tiny-sd15-ema.ckpt")
    (root / "tiny-sd15-ema.yaml").write_text(sd15_yaml())
    # a standalone VAE in the legacy (pre-1.6, non-zip) torch.save format, as old `.vae.pt` files are
    vae = {k[len("first_stage_model."):]: v for k, v in sd15.items() if k.startswith("first_stage_model.")}
    torch.save({"state_dict": vae}, root / "tiny-sd15-vae-legacy.pt", _use_new_zipfile_serialization=False)
    sdxl = ldm_names.ldm_state(m, "sdxl", torch.float16, torch.float16, torch.float16)
    safetensors_io.save(root / "tiny-sdxl.safetensors", sdxl, {"format": "pt"})
    (root / "tiny-sdxl.yaml").write_text(sdxl_yaml())
    # single files have no tokenizer; the tiny text encoders' vocabulary is not CLIP's, so theirs sit beside them
    for stem in ("tiny-sd15", "tiny-sd15-ema", "tiny-sdxl"):
        bpe.write(root / f"{stem}.tokenizer", merges, bpe.EOS, "loom/tiny-sd/tokenizer")
    bpe.write(root / "tiny-sdxl.tokenizer_2", merges, "!", "loom/tiny-sd/tokenizer_2")


def inpaint_file(m, merges, root):
    """A pruned fp16 SD1.5 inpainting single file (sd-v1-5-inpainting.safetensors): sd15's text encoder and VAE, a
    9-channel UNet of its own."""
    state = ldm_names.ldm_state({**m, "sd15.unet": m["sd15-inpaint.unet"]}, "sd15", torch.float16, torch.float16, torch.float16)
    safetensors_io.save(root / "tiny-sd15-inpainting.safetensors", state, {"format": "pt"})
    (root / "tiny-sd15-inpainting.yaml").write_text(sd15_yaml(inpaint=True))
    bpe.write(root / "tiny-sd15-inpainting.tokenizer", merges, bpe.EOS, "loom/tiny-sd/tokenizer")


def strided_file(root):
    """Tensors torch saves as views (a transpose, a slice at a storage offset), next to training metadata."""
    base = torch.arange(12, dtype=torch.float32).reshape(3, 4)
    state = {"transposed": base.t(), "row": base[1], "whole": base}
    # training metadata real checkpoints carry beside the weights, all inert data the reader must accept
    import numpy as np
    extras = {"global_step": np.int64(470000), "lr": np.float64(1e-4), "hist": np.arange(3), "dtype": torch.float16,
              "device": torch.device("cpu"), "tags": {"ema"}}
    torch.save({"state_dict": state, **extras}, root / "strided.ckpt")


def hostile_files(root):
    bad = root / "bad"
    bad.mkdir(parents=True, exist_ok=True)
    small = {"state_dict": {"model.diffusion_model.conv_in.weight": torch.zeros(2, 2)}, "payload": Hostile()}
    torch.save(small, bad / "hostile.ckpt")
    torch.save(small, bad / "hostile-legacy.pt", _use_new_zipfile_serialization=False)
    with open(bad / "hostile-eval.pkl", "wb") as f:
        # a bare pickle calling builtins.eval, the other classic payload
        f.write(pickle.dumps({"x": _Eval()}, protocol=2))
    good = {"state_dict": {"w": torch.arange(64, dtype=torch.float32)}}
    torch.save(good, bad / "whole.ckpt")
    data = (bad / "whole.ckpt").read_bytes()
    (bad / "truncated.ckpt").write_bytes(data[: len(data) // 2])
    (bad / "whole.ckpt").unlink()
    safetensors_io.save(bad / "whole.safetensors", good["state_dict"])
    data = (bad / "whole.safetensors").read_bytes()
    (bad / "truncated.safetensors").write_bytes(data[: len(data) - 100])
    (bad / "whole.safetensors").unlink()


class _Eval:
    def __reduce__(self):
        return (eval, (f"open({HOSTILE_MARKER!r}, 'w').write('executed')",))


def build(m, merges, root):
    """Rewrites everything under `root` but README.md and full-shapes.json (make_full_shapes.py)."""
    for child in root.glob("*") if root.exists() else []:
        if child.name not in ("README.md", "full-shapes.json"):
            shutil.rmtree(child) if child.is_dir() else child.unlink()
    sd15_diffusers(m, merges, root / "tiny-sd15-diffusers")
    sdxl_diffusers(m, merges, root / "tiny-sdxl-diffusers")
    single_files(m, merges, root)
    inpaint_file(m, merges, root)
    strided_file(root)
    hostile_files(root)
