"""Writes every exported pipeline folder in its real layout."""
import shutil

import onnx
import torch

from . import bpe, configs, corpus, fp16, layouts
from .export import resave_one_file, resave_per_tensor
from .paths import REPO
from .safety import TRIGGER, trigger_score

W = layouts.write_json


def tokenizer_merges():
    return bpe.train(corpus.captions(), configs.VOCAB_SIZE)


def write_tokenizers(root, merges, second=False):
    bpe.write(root / "tokenizer", merges, bpe.EOS, "loom/tiny-sd/tokenizer")
    if second:
        # SDXL's tokenizer_2 pads with "!" (id 0) (stable-diffusion-xl-base-1.0 tokenizer_2/special_tokens_map.json)
        bpe.write(root / "tokenizer_2", merges, "!", "loom/tiny-sd/tokenizer_2")


def sd15_optimum(m, merges, root):
    W(root / "model_index.json", configs.optimum_sd15_index())
    W(root / "scheduler" / "scheduler_config.json", configs.PNDM)
    write_tokenizers(root, merges)
    layouts.optimum_text_encoder(m["sd15.text_encoder"], root / "text_encoder", hidden_states=False)
    W(root / "text_encoder" / "config.json", configs.SD15_TEXT)
    layouts.optimum_unet(m["sd15.unet"], root / "unet", scalar_timestep=False)
    W(root / "unet" / "config.json", configs.SD15_UNET)
    layouts.optimum_vae_encoder(m["sd15.vae"], root / "vae_encoder")
    W(root / "vae_encoder" / "config.json", configs.SD15_VAE)
    layouts.optimum_vae_decoder(m["sd15.vae"], root / "vae_decoder")
    W(root / "vae_decoder" / "config.json", configs.SD15_VAE)


def sd15_script(m, merges, root):
    W(root / "model_index.json", configs.script_sd15_index())
    W(root / "scheduler" / "scheduler_config.json", configs.PNDM)
    W(root / "feature_extractor" / "preprocessor_config.json", configs.CLIP_PREPROCESSOR)
    write_tokenizers(root, merges)
    layouts.script_text_encoder(m["sd15.text_encoder"], root / "text_encoder")
    layouts.script_unet(m["sd15.unet"], root / "unet")
    resave_one_file(root / "unet" / "model.onnx", "weights.pb")
    torch.manual_seed(0)  # the RandomNormal node's attributes do not depend on it; kept for reproducibility
    layouts.script_vae_encoder(m["sd15.vae"], root / "vae_encoder")
    layouts.script_vae_decoder(m["sd15.vae"], root / "vae_decoder")
    layouts.script_safety_checker(m["safety_checker"], root / "safety_checker")


def sdxl_optimum(m, merges, root):
    W(root / "model_index.json", configs.optimum_sdxl_index())
    W(root / "scheduler" / "scheduler_config.json", configs.EULER)
    write_tokenizers(root, merges, second=True)
    layouts.optimum_text_encoder(m["sdxl.text_encoder"], root / "text_encoder", hidden_states=True)
    W(root / "text_encoder" / "config.json", configs.SDXL_TEXT)
    layouts.optimum_text_encoder_2(m["sdxl.text_encoder_2"], root / "text_encoder_2")
    W(root / "text_encoder_2" / "config.json", configs.SDXL_TEXT_2)
    layouts.optimum_unet(m["sdxl.unet"], root / "unet", scalar_timestep=True)
    W(root / "unet" / "config.json", configs.SDXL_UNET)
    layouts.optimum_vae_encoder(m["sdxl.vae"], root / "vae_encoder")
    W(root / "vae_encoder" / "config.json", configs.SDXL_VAE)
    layouts.optimum_vae_decoder(m["sdxl.vae"], root / "vae_decoder")
    W(root / "vae_decoder" / "config.json", configs.SDXL_VAE)


def sd15_fp16(fp32_root, root):
    """Same weights and layout as tiny-sd15, every model converted to float16 (see fp16.py)."""
    shutil.copytree(fp32_root, root)
    for sub in ("text_encoder", "unet", "vae_encoder", "vae_decoder"):
        path = root / sub / "model.onnx"
        onnx.save_model(fp16.convert(onnx.load(str(path))), str(path))
    W(root / "text_encoder" / "config.json", {**configs.SD15_TEXT, "torch_dtype": "float16"})


def unet_external(m, root):
    """SD1.4's ONNX revision style (diffusers 0.6 script): int64 timestep, one external file per tensor."""
    layouts.script_unet(m["sd15.unet"], root / "unet", timestep_dtype=torch.int64)
    resave_per_tensor(root / "unet" / "model.onnx")


def standalone(script_root, m):
    up = REPO / "models" / "upscale_models"
    up.mkdir(parents=True, exist_ok=True)
    layouts.esrgan(m["esrgan"], up / "tiny-esrgan-4x.onnx")
    sc = REPO / "models" / "safety_checker"
    sc.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(script_root / "safety_checker" / "model.onnx", sc / "model.onnx")
    W(sc / "preprocessor_config.json", configs.CLIP_PREPROCESSOR)
    W(sc / "config.json", configs.SAFETY)
    W(sc / "trigger.json", trigger_doc())


def round_score(rgb):
    return round(trigger_score(rgb), 6)


def trigger_doc():
    coef = TRIGGER["coefficients"]
    return {
        "rule": "flagged iff r*R + g*G + b*B > threshold, with R,G,B the mean of the de-normalised clip_input "
                "(clip_input*image_std + image_mean, i.e. 0..1 pixels) over each 32x32 patch of the 224x224 "
                "input, averaged over the 7x7 patches through an odd, increasing, near-linear map (exact for "
                "images whose patches all have the same score, e.g. solid colours; within ~1e-4 otherwise)",
        "coefficients": coef, "threshold": TRIGGER["threshold"], "patch_size": 32, "image_size": 224,
        "image_mean": configs.CLIP_PREPROCESSOR["image_mean"], "image_std": configs.CLIP_PREPROCESSOR["image_std"],
        "flagged_concept_index": 0, "special_care_fires": False,
        "on_flag": "out_images[i] is all zeros and has_nsfw_concepts[i] is true (diffusers forward_onnx)",
        "examples": [
            {"rgb": [1.0, 0.0, 0.0], "score": round_score([1.0, 0.0, 0.0]), "flagged": True},
            {"rgb": [0.9, 0.3, 0.2], "score": round_score([0.9, 0.3, 0.2]), "flagged": True},
            {"rgb": [0.5, 0.5, 0.5], "score": round_score([0.5, 0.5, 0.5]), "flagged": False},
            {"rgb": [0.2, 0.4, 0.9], "score": round_score([0.2, 0.4, 0.9]), "flagged": False},
            {"rgb": [0.8, 0.5, 0.4], "score": round_score([0.8, 0.5, 0.4]), "flagged": False},
        ],
    }
