"""Seeded construction of every tiny torch model (the single source of the fixtures' weights)."""
import torch

from . import configs
from .clip import CLIPTextModel, CLIPTextModelWithProjection
from .esrgan import RRDBNet, init_near_identity
from .safety import StableDiffusionSafetyChecker, set_trigger_weights
from .unet import UNet2DConditionModel
from .vae import AutoencoderKL


def seeded(seed, factory):
    torch.manual_seed(seed)
    model = factory()
    model.eval()
    return model


def build_all():
    """Returns {name: module}. Seeds are fixed so regeneration gives identical weights."""
    m = {
        "sd15.text_encoder": seeded(101, lambda: CLIPTextModel(configs.SD15_TEXT)),
        "sd15.unet": seeded(102, lambda: UNet2DConditionModel(configs.SD15_UNET)),
        "sd15.vae": seeded(103, lambda: AutoencoderKL(configs.SD15_VAE)),
        "sd15-inpaint.unet": seeded(104, lambda: UNet2DConditionModel(configs.SD15_INPAINT_UNET)),
        "sdxl.text_encoder": seeded(201, lambda: CLIPTextModel(configs.SDXL_TEXT)),
        "sdxl.text_encoder_2": seeded(202, lambda: CLIPTextModelWithProjection(configs.SDXL_TEXT_2)),
        "sdxl.unet": seeded(203, lambda: UNet2DConditionModel(configs.SDXL_UNET)),
        "sdxl.vae": seeded(204, lambda: AutoencoderKL(configs.SDXL_VAE)),
        "safety_checker": seeded(301, lambda: StableDiffusionSafetyChecker(configs.SAFETY)),
        "esrgan": seeded(401, lambda: RRDBNet(**configs.ESRGAN)),
    }
    set_trigger_weights(m["safety_checker"])
    torch.manual_seed(402)
    init_near_identity(m["esrgan"])
    return m
