"""The tiny configurations and the pipeline-level JSON files (model_index, scheduler, preprocessor).

Each tiny config keeps the structure of its real counterpart (block types, 8x VAE factor, linear vs
conv projections, text_time conditioning, two text encoders of different widths) at toy widths.
"""
DIFFUSERS_VERSION = "0.27.2"
TRANSFORMERS_VERSION = "4.40.0"
VOCAB_SIZE = 1024  # 256 bytes + 256 bytes</w> + 510 merges + bos + eos


def clip_text(hidden, layers, heads, act, projection_dim, with_projection=False):
    return {
        "architectures": ["CLIPTextModelWithProjection" if with_projection else "CLIPTextModel"],
        "attention_dropout": 0.0, "bos_token_id": 0, "dropout": 0.0, "eos_token_id": 2,
        "hidden_act": act, "hidden_size": hidden, "initializer_factor": 1.0, "initializer_range": 0.02,
        "intermediate_size": 4 * hidden, "layer_norm_eps": 1e-05, "max_position_embeddings": 77,
        "model_type": "clip_text_model", "num_attention_heads": heads, "num_hidden_layers": layers,
        "pad_token_id": 1, "projection_dim": projection_dim, "torch_dtype": "float32",
        "transformers_version": TRANSFORMERS_VERSION, "vocab_size": VOCAB_SIZE,
    }


SD15_TEXT = clip_text(32, 2, 4, "quick_gelu", 32)
SDXL_TEXT = clip_text(32, 2, 4, "quick_gelu", 32)
SDXL_TEXT_2 = clip_text(48, 3, 4, "gelu", 48, with_projection=True)


def unet_common():
    return {
        "_class_name": "UNet2DConditionModel", "_diffusers_version": DIFFUSERS_VERSION, "act_fn": "silu",
        "center_input_sample": False, "class_embed_type": None, "downsample_padding": 1,
        "dual_cross_attention": False, "flip_sin_to_cos": True, "freq_shift": 0, "in_channels": 4,
        "mid_block_scale_factor": 1, "mid_block_type": "UNetMidBlock2DCrossAttn", "norm_eps": 1e-05,
        "norm_num_groups": 8, "num_class_embeds": None, "only_cross_attention": False, "out_channels": 4,
        "resnet_time_scale_shift": "default", "sample_size": 8, "upcast_attention": False,
    }


# SD1.5 pattern: attention in every block but the deepest; 1x1-conv proj_in/out; 8 heads.
SD15_UNET = {**unet_common(), "attention_head_dim": 8, "block_out_channels": [16, 32], "cross_attention_dim": 32,
             "down_block_types": ["CrossAttnDownBlock2D", "DownBlock2D"], "layers_per_block": 1,
             "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D"], "use_linear_projection": False}

# An SD1.5 inpainting UNet (sd-v1-5-inpainting): the same blocks, conv_in takes the noisy latent (4), the mask (1)
# and the masked image's latent (4).
SD15_INPAINT_UNET = {**SD15_UNET, "in_channels": 9}

# SDXL pattern: no attention in the first block, transformer depth growing with depth, linear
# projections, constant head width (16, like SDXL's 64), layers_per_block 2 (so kohya's LDM block numbering is the real one), text_time embedding
# of pooled text_embeds (48) + 6 time ids x 8 = 96 inputs; cross_attention_dim 32 + 48 = 80.
SDXL_UNET = {**unet_common(), "addition_embed_type": "text_time", "addition_embed_type_num_heads": 64,
             "addition_time_embed_dim": 8, "attention_head_dim": [1, 1, 2], "block_out_channels": [16, 16, 32],
             "cross_attention_dim": 80, "down_block_types": ["DownBlock2D", "CrossAttnDownBlock2D",
                                                             "CrossAttnDownBlock2D"],
             "layers_per_block": 2, "projection_class_embeddings_input_dim": 96,
             "transformer_layers_per_block": [1, 1, 2],
             "up_block_types": ["CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"],
             "use_linear_projection": True}


def vae(scaling_factor, force_upcast=None):
    c = {"_class_name": "AutoencoderKL", "_diffusers_version": DIFFUSERS_VERSION, "act_fn": "silu",
         "block_out_channels": [8, 16, 32, 32], "down_block_types": ["DownEncoderBlock2D"] * 4, "in_channels": 3,
         "latent_channels": 4, "layers_per_block": 1, "norm_num_groups": 8, "out_channels": 3, "sample_size": 64,
         "scaling_factor": scaling_factor, "up_block_types": ["UpDecoderBlock2D"] * 4}
    if force_upcast is not None:
        c["force_upcast"] = force_upcast
    return c


SD15_VAE = vae(0.18215)
SDXL_VAE = vae(0.13025, force_upcast=True)

SAFETY = {
    "architectures": ["StableDiffusionSafetyChecker"], "model_type": "clip", "projection_dim": 16,
    "vision_config": {"hidden_act": "quick_gelu", "hidden_size": 32, "image_size": 224, "intermediate_size": 64,
                      "layer_norm_eps": 1e-05, "model_type": "clip_vision_model", "num_attention_heads": 2,
                      "num_hidden_layers": 1, "patch_size": 32},
}

ESRGAN = dict(num_in_ch=3, num_out_ch=3, num_feat=8, num_block=1, num_grow_ch=4)

SCHEDULER_BASE = {"beta_end": 0.012, "beta_schedule": "scaled_linear", "beta_start": 0.00085, "clip_sample": False,
                  "num_train_timesteps": 1000, "prediction_type": "epsilon", "set_alpha_to_one": False,
                  "skip_prk_steps": True, "steps_offset": 1, "timestep_spacing": "leading", "trained_betas": None}
# SD1.5 ships PNDM (skip_prk_steps); SDXL base ships EulerDiscrete, leading spacing, linear interpolation.
PNDM = {"_class_name": "PNDMScheduler", "_diffusers_version": DIFFUSERS_VERSION, **SCHEDULER_BASE}
EULER = {"_class_name": "EulerDiscreteScheduler", "_diffusers_version": DIFFUSERS_VERSION, **SCHEDULER_BASE,
         "interpolation_type": "linear", "sample_max_value": 1.0, "use_karras_sigmas": False}

CLIP_PREPROCESSOR = {"crop_size": 224, "do_center_crop": True, "do_convert_rgb": True, "do_normalize": True,
                     "do_resize": True, "feature_extractor_type": "CLIPFeatureExtractor",
                     "image_mean": [0.48145466, 0.4578275, 0.40821073],
                     "image_std": [0.26862954, 0.26130258, 0.27577711], "resample": 3, "size": 224}

ORT = ["diffusers", "OnnxRuntimeModel"]


def optimum_sd15_index():
    return {"_class_name": "ORTStableDiffusionPipeline", "_diffusers_version": DIFFUSERS_VERSION,
            "feature_extractor": [None, None], "requires_safety_checker": False, "safety_checker": [None, None],
            "scheduler": ["diffusers", "PNDMScheduler"], "text_encoder": ORT,
            "tokenizer": ["transformers", "CLIPTokenizer"], "unet": ORT, "vae_decoder": ORT, "vae_encoder": ORT}


def script_sd15_index():
    return {"_class_name": "OnnxStableDiffusionPipeline", "_diffusers_version": DIFFUSERS_VERSION,
            "feature_extractor": ["transformers", "CLIPImageProcessor"], "requires_safety_checker": True,
            "safety_checker": ORT, "scheduler": ["diffusers", "PNDMScheduler"], "text_encoder": ORT,
            "tokenizer": ["transformers", "CLIPTokenizer"], "unet": ORT, "vae_decoder": ORT, "vae_encoder": ORT}


def optimum_sdxl_index():
    return {"_class_name": "ORTStableDiffusionXLPipeline", "_diffusers_version": DIFFUSERS_VERSION,
            "add_watermarker": None, "force_zeros_for_empty_prompt": True,
            "scheduler": ["diffusers", "EulerDiscreteScheduler"], "text_encoder": ORT, "text_encoder_2": ORT,
            "tokenizer": ["transformers", "CLIPTokenizer"], "tokenizer_2": ["transformers", "CLIPTokenizer"],
            "unet": ORT, "vae_decoder": ORT, "vae_encoder": ORT}
