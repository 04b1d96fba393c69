"""loom-tiny's model configurations: the SD1.5 structure (CLIP text encoder, UNet2DConditionModel with
cross-attention down/up blocks, AutoencoderKL with the real 8x factor) at widths a 2-core CPU trains
in about an hour. Pipeline files (model_index, scheduler) are the fixtures' SD1.5 Optimum ones."""
from loom_tiny_sd import configs as fixture

VOCAB_SIZE = fixture.VOCAB_SIZE
TEXT = fixture.clip_text(64, 2, 4, "quick_gelu", 64)

# 64x64 images <-> 8x8x4 latents (three downsamplers, as SD's VAE).
VAE = {**fixture.vae(scaling_factor=1.0), "block_out_channels": [16, 32, 64, 64]}

# 4 heads of 12 and 24 channels: 8 heads of 64/128 channels trained 1.4x slower per step here.
UNET = {**fixture.unet_common(), "attention_head_dim": 4, "block_out_channels": [48, 96, 96],
        "cross_attention_dim": 64, "norm_num_groups": 16,
        "down_block_types": ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"], "layers_per_block": 1,
        "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"], "use_linear_projection": False}

SCHEDULER = fixture.PNDM
MODEL_INDEX = fixture.optimum_sd15_index()
