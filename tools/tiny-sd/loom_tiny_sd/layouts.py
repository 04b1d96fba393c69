"""Per-component exports with each real exporter's I/O contract (diffusers convert_stable_diffusion_checkpoint_to_onnx.py, Optimum `UNetOnnxConfig` and its siblings).

Optimum: `optimum/exporters/onnx/model_configs.py` (CLIPTextOnnxConfig, CLIPTextWithProjectionOnnxConfig,
UNetOnnxConfig, VaeEncoderOnnxConfig, VaeDecoderOnnxConfig) and `exporters/utils.py`
(`_get_submodels_for_export_diffusion`: output_hidden_states for SDXL, VAE encoder returns
`latent_dist.parameters`). Diffusers script: `scripts/convert_stable_diffusion_checkpoint_to_onnx.py`.
"""
import json

import torch

from .export import export, forward_as

SEQ = 77


def write_json(path, obj):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2, sort_keys=True) + "\n")


def dummy_ids(dtype):
    return torch.arange(SEQ, dtype=torch.int64).remainder(50).reshape(1, SEQ).to(dtype)


# ---- Optimum -------------------------------------------------------------------------------------

def optimum_text_encoder(model, folder, hidden_states):
    """CLIPTextOnnxConfig: int64 input_ids -> last_hidden_state, pooler_output[, hidden_states.0..N]."""
    outputs = ["last_hidden_state", "pooler_output"]
    axes = {"input_ids": {0: "batch_size", 1: "sequence_length"},
            "last_hidden_state": {0: "batch_size", 1: "sequence_length"}, "pooler_output": {0: "batch_size"}}
    n = model.config.num_hidden_layers
    if hidden_states:
        for i in range(n + 1):
            outputs.append(f"hidden_states.{i}")
            axes[f"hidden_states.{i}"] = {0: "batch_size", 1: "sequence_length"}
    export(model, (dummy_ids(torch.int64), hidden_states), folder / "model.onnx", ["input_ids"], outputs, axes)


def optimum_text_encoder_2(model, folder):
    """CLIPTextWithProjectionOnnxConfig: -> text_embeds, last_hidden_state, hidden_states.0..N (SDXL)."""
    outputs = ["text_embeds", "last_hidden_state"]
    # text_embeds' axis 1 really is named "sequence_length" by Optimum (a quirk kept for fidelity)
    axes = {"input_ids": {0: "batch_size", 1: "sequence_length"},
            "text_embeds": {0: "batch_size", 1: "sequence_length"},
            "last_hidden_state": {0: "batch_size", 1: "sequence_length"}}
    for i in range(model.config.num_hidden_layers + 1):
        outputs.append(f"hidden_states.{i}")
        axes[f"hidden_states.{i}"] = {0: "batch_size", 1: "sequence_length"}
    export(model, (dummy_ids(torch.int64), True), folder / "model.onnx", ["input_ids"], outputs, axes)


def optimum_unet(model, folder, scalar_timestep, dtype=torch.float32):
    """UNetOnnxConfig. Optimum 1.6-1.23: int64 timestep [steps]; >= 1.24: float scalar (rank 0)."""
    c = model.config
    xdim = c.cross_attention_dim
    sample = torch.randn(2, 4, c.sample_size, c.sample_size, dtype=dtype)
    ehs = torch.randn(2, SEQ, xdim, dtype=dtype)
    axes = {"sample": {0: "batch_size", 2: "height", 3: "width"},
            "encoder_hidden_states": {0: "batch_size", 1: "sequence_length"},
            "out_sample": {0: "batch_size", 2: "height", 3: "width"}}
    if scalar_timestep:
        timestep = torch.tensor(999.0, dtype=dtype)
    else:
        timestep = torch.tensor([999, 500], dtype=torch.int64)
        axes["timestep"] = {0: "steps"}
    names = ["sample", "timestep", "encoder_hidden_states"]
    if c.addition_embed_type == "text_time":
        text_embeds = torch.randn(2, c.projection_class_embeddings_input_dim - 6 * c.addition_time_embed_dim,
                                  dtype=dtype)
        time_ids = torch.tensor([[64.0, 64.0, 0.0, 0.0, 64.0, 64.0]] * 2, dtype=dtype)
        axes["text_embeds"] = {0: "batch_size"}
        axes["time_ids"] = {0: "batch_size"}
        names += ["text_embeds", "time_ids"]
        cls = type(model)

        def fwd(sample, timestep, encoder_hidden_states, text_embeds, time_ids):
            return cls.forward(model, sample, timestep, encoder_hidden_states,
                               {"text_embeds": text_embeds, "time_ids": time_ids})
        with forward_as(model, fwd):
            export(model, (sample, timestep, ehs, text_embeds, time_ids), folder / "model.onnx", names,
                   ["out_sample"], axes)
    else:
        export(model, (sample, timestep, ehs), folder / "model.onnx", names, ["out_sample"], axes)


def optimum_vae_encoder(vae, folder):
    axes = {"sample": {0: "batch_size", 2: "height", 3: "width"},
            "latent_parameters": {0: "batch_size", 2: "height_latent", 3: "width_latent"}}
    with forward_as(vae, lambda sample: vae.encode(sample).parameters):
        export(vae, (torch.randn(1, 3, 64, 64),), folder / "model.onnx", ["sample"], ["latent_parameters"], axes)


def optimum_vae_decoder(vae, folder):
    axes = {"latent_sample": {0: "batch_size", 2: "height_latent", 3: "width_latent"},
            "sample": {0: "batch_size", 2: "height", 3: "width"}}
    with forward_as(vae, lambda latent_sample: vae.decode(latent_sample)):
        export(vae, (torch.randn(1, 4, 8, 8),), folder / "model.onnx", ["latent_sample"], ["sample"], axes)


# ---- diffusers convert_stable_diffusion_checkpoint_to_onnx.py ------------------------------------

def script_text_encoder(model, folder):
    # "casting to torch.int32 until the CLIP fix is released" (the script)
    export(model, (dummy_ids(torch.int32),), folder / "model.onnx", ["input_ids"],
           ["last_hidden_state", "pooler_output"], {"input_ids": {0: "batch", 1: "sequence"}})


def script_unet(model, folder, timestep_dtype=torch.float32):
    c = model.config
    args = (torch.randn(2, 4, c.sample_size, c.sample_size), torch.tensor([999, 500]).to(timestep_dtype),
            torch.randn(2, SEQ, c.cross_attention_dim))
    axes = {"sample": {0: "batch", 1: "channels", 2: "height", 3: "width"}, "timestep": {0: "batch"},
            "encoder_hidden_states": {0: "batch", 1: "sequence"}}
    export(model, args, folder / "model.onnx", ["sample", "timestep", "encoder_hidden_states"], ["out_sample"], axes)


def script_vae_encoder(vae, folder):
    # forward = encode(sample).latent_dist.sample(): the graph samples (RandomNormal), as the script's does
    with forward_as(vae, lambda sample: vae.encode(sample).sample()):
        export(vae, (torch.randn(1, 3, 64, 64),), folder / "model.onnx", ["sample"], ["latent_sample"],
               {"sample": {0: "batch", 1: "channels", 2: "height", 3: "width"}})


def script_vae_decoder(vae, folder):
    with forward_as(vae, lambda latent_sample: vae.decode(latent_sample)):
        export(vae, (torch.randn(1, 4, 8, 8),), folder / "model.onnx", ["latent_sample"], ["sample"],
               {"latent_sample": {0: "batch", 1: "channels", 2: "height", 3: "width"}})


def script_safety_checker(checker, folder):
    args = (torch.randn(1, 3, 224, 224), torch.rand(1, 64, 64, 3))
    export(checker, args, folder / "model.onnx", ["clip_input", "images"], ["out_images", "has_nsfw_concepts"],
           {"clip_input": {0: "batch", 1: "channels", 2: "height", 3: "width"},
            "images": {0: "batch", 1: "height", 2: "width", 3: "channels"}})


def esrgan(model, path):
    export(model, (torch.rand(1, 3, 16, 16),), path, ["image"], ["upscaled"],
           {"image": {0: "batch", 2: "height", 3: "width"}, "upscaled": {0: "batch", 2: "height", 3: "width"}})
