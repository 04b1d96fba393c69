"""Writes every reference safetensors file and test/fixtures/reference/index.json."""
import json

import torch

from . import configs, lora
from .paths import rel
from .references import (OUT, PROMPT_BATCH, STRENGTHS, fp16_rounded, ids, run_safety, run_text, run_unet,
                         run_vae, safety_inputs, unet_inputs, vae_inputs)
from .safetensors_io import save

F32 = torch.float32


def f32(d):
    return {k: (v.float() if v.is_floating_point() else v) for k, v in d.items()}


def entry(file, pipeline, model_dir, inputs, components, keys, **extra):
    return {"file": rel(file), "pipeline": pipeline, "model_dir": model_dir, "inputs": rel(inputs),
            "components": components, "keys": sorted(keys), **extra}


def sd15(m, merges, loras, index):
    d = OUT / "tiny-sd15"
    gen = torch.Generator().manual_seed(7)
    x = {"text_encoder.input_ids": ids(merges, "<|endoftext|>", torch.int64),
         **unet_inputs(gen, configs.SD15_UNET, torch.tensor([999, 500], dtype=torch.int64)), **vae_inputs(gen)}
    save(d / "inputs.safetensors", x)
    te, unet, vae = m["sd15.text_encoder"], m["sd15.unet"], m["sd15.vae"]
    base = {**run_text(te, "text_encoder", x, "text_encoder.input_ids", False), **run_unet(unet, x), **run_vae(vae, x)}
    save(d / "base.safetensors", base)
    comps = ["text_encoder", "unet", "vae_decoder", "vae_encoder"]
    index.append(entry(d / "base.safetensors", "tiny-sd15", "models/tiny-sd15", d / "inputs.safetensors", comps,
                       base, lora=None, format=None, rank=None, strength=None, dtype="F32"))
    lora_refs(loras, "sd15", "tiny-sd15", "models/tiny-sd15", d, x,
              lambda t, u: {**run_text(t["text_encoder"], "text_encoder", x, "text_encoder.input_ids", False),
                            **run_unet(u, x)},
              {"text_encoder": te}, unet, index)
    return x


def sdxl(m, merges, loras, index):
    d = OUT / "tiny-sdxl"
    gen = torch.Generator().manual_seed(8)
    x = {"text_encoder.input_ids": ids(merges, "<|endoftext|>", torch.int64),
         "text_encoder_2.input_ids": ids(merges, "!", torch.int64),
         **unet_inputs(gen, configs.SDXL_UNET, torch.tensor(750.0)), **vae_inputs(gen)}
    save(d / "inputs.safetensors", x)
    tes = {"text_encoder": m["sdxl.text_encoder"], "text_encoder_2": m["sdxl.text_encoder_2"]}

    def run(t, u):
        return {**run_text(t["text_encoder"], "text_encoder", x, "text_encoder.input_ids", True),
                **run_text(t["text_encoder_2"], "text_encoder_2", x, "text_encoder_2.input_ids", True),
                **run_unet(u, x)}

    # LoRA references keep what the SDXL pipeline consumes (hidden_states[-2] of both encoders, the
    # pooled text_embeds, the UNet output), to stay inside the 30 MB budget
    pen1 = f"text_encoder.hidden_states.{configs.SDXL_TEXT['num_hidden_layers'] - 1}"
    pen2 = f"text_encoder_2.hidden_states.{configs.SDXL_TEXT_2['num_hidden_layers'] - 1}"
    consumed = {pen1, pen2, "text_encoder_2.text_embeds", "unet.out_sample"}

    def run_consumed(t, u):
        return {k: v for k, v in run(t, u).items() if k in consumed}
    base = {**run(tes, m["sdxl.unet"]), **run_vae(m["sdxl.vae"], x)}
    save(d / "base.safetensors", base)
    comps = ["text_encoder", "text_encoder_2", "unet", "vae_decoder", "vae_encoder"]
    index.append(entry(d / "base.safetensors", "tiny-sdxl", "models/tiny-sdxl", d / "inputs.safetensors", comps,
                       base, lora=None, format=None, rank=None, strength=None, dtype="F32"))
    lora_refs(loras, "sdxl", "tiny-sdxl", "models/tiny-sdxl", d, x, run_consumed, tes, m["sdxl.unet"], index)


def lora_refs(loras, flavour, pipeline, model_dir, d, x, run, tes, unet, index):
    for desc in loras:
        if desc["flavour"] != flavour:
            continue
        for s in STRENGTHS:
            merged_tes = {k: lora.merged(v, desc["entries"], k, s) for k, v in tes.items()}
            out = run(merged_tes, lora.merged(unet, desc["entries"], "unet", s))
            path = d / "lora" / f"{desc['format']}-r{desc['rank']}-s{s}.safetensors"
            save(path, out)
            index.append(entry(path, pipeline, model_dir, d / "inputs.safetensors", sorted(tes) + ["unet"], out,
                               lora=rel(desc["path"]), format=desc["format"], rank=desc["rank"], strength=s,
                               dtype=desc["dtype"], alpha=desc["alpha"], lora_components=desc["components"]))


def script(m, merges, index):
    d = OUT / "tiny-sd15-script"
    gen = torch.Generator().manual_seed(9)
    x = {"text_encoder.input_ids": ids(merges, "<|endoftext|>", torch.int32),
         **unet_inputs(gen, configs.SD15_UNET, torch.tensor([999.0, 500.0])), **vae_inputs(gen),
         **safety_inputs(gen)}
    save(d / "inputs.safetensors", x)
    base = {**run_text(m["sd15.text_encoder"], "text_encoder", x, "text_encoder.input_ids", False),
            **run_unet(m["sd15.unet"], x), **run_vae(m["sd15.vae"], x, sampled_encoder=True),
            **run_safety(m["safety_checker"], x)}
    save(d / "base.safetensors", base)
    index.append(entry(d / "base.safetensors", "tiny-sd15-script", "test/fixtures/tiny-sd15-script",
                       d / "inputs.safetensors", ["safety_checker", "text_encoder", "unet", "vae_decoder", "vae_encoder"],
                       base, lora=None, format=None, rank=None, strength=None, dtype="F32",
                       note="vae_encoder samples inside the graph (RandomNormal); the reference stores the "
                            "distribution's mean and std instead of a draw"))


def fp16(m, x, index):
    """The fp16 pipeline's expected outputs: torch fp32 math on fp16-rounded weights and inputs."""
    d = OUT / "tiny-sd15-fp16"
    xh = {k: (v.half() if v.is_floating_point() else v) for k, v in x.items()}
    save(d / "inputs.safetensors", xh)
    xf = f32(xh)
    te, unet, vae = (fp16_rounded(m[k]) for k in ("sd15.text_encoder", "sd15.unet", "sd15.vae"))
    base = {**run_text(te, "text_encoder", xf, "text_encoder.input_ids", False), **run_unet(unet, xf),
            **run_vae(vae, xf)}
    save(d / "base.safetensors", base)
    index.append(entry(d / "base.safetensors", "tiny-sd15-fp16", "test/fixtures/tiny-sd15-fp16",
                       d / "inputs.safetensors", ["text_encoder", "unet", "vae_decoder", "vae_encoder"], base,
                       lora=None, format=None, rank=None, strength=None, dtype="F16",
                       note="float16 graph vs fp32 torch math on fp16-rounded weights: compare at fp16 tolerance"))


def upscaler(m, index):
    d = OUT / "tiny-esrgan-4x"
    gen = torch.Generator().manual_seed(10)
    x = {"upscaler.image": torch.rand(1, 3, 16, 16, generator=gen)}
    save(d / "inputs.safetensors", x)
    with torch.no_grad():
        base = {"upscaler.upscaled": m["esrgan"](x["upscaler.image"])}
    save(d / "base.safetensors", base)
    index.append(entry(d / "base.safetensors", "tiny-esrgan-4x", "models/upscale_models/tiny-esrgan-4x.onnx",
                       d / "inputs.safetensors", ["upscaler"], base, lora=None, format=None, rank=None,
                       strength=None, dtype="F32"))


def build(m, merges, loras):
    index = []
    x = sd15(m, merges, loras, index)
    sdxl(m, merges, loras, index)
    script(m, merges, index)
    fp16(m, x, index)
    upscaler(m, index)
    doc = {"prompts": {"text_encoder.input_ids": PROMPT_BATCH, "text_encoder_2.input_ids": PROMPT_BATCH},
           "strengths": list(STRENGTHS), "files": index}
    (OUT / "index.json").write_text(json.dumps(doc, indent=2) + "\n")
    return doc
