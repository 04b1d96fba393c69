"""Replica of diffusers' StableDiffusionSafetyChecker (`pipelines/stable_diffusion/safety_checker.py`)
with its `forward_onnx` contract, plus a constructed weight set that makes the decision a documented,
deterministic function of the image colour (see `TRIGGER` and tools/tiny-sd/README.md).
"""
import torch
from torch import nn
import torch.nn.functional as F

from .clip import CLIPVisionModel

# CLIP image preprocessing of the real feature_extractor/preprocessor_config.json (transformers `CLIPImageProcessor`)
CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073]
CLIP_STD = [0.26862954, 0.26130258, 0.27577711]

# The rule realised by `set_trigger_weights`. score = r*R + g*G + b*B on de-normalised clip pixels (0..1).
TRIGGER = {"coefficients": {"r": 1.0, "g": -0.5, "b": -0.5}, "threshold": 0.5, "big": 100.0, "gain": 10.0}


def cosine_distance(image_embeds, text_embeds):
    return torch.mm(F.normalize(image_embeds), F.normalize(text_embeds).t())


class StableDiffusionSafetyChecker(nn.Module):
    def __init__(self, config):
        super().__init__()
        vc = config["vision_config"]
        pd = config["projection_dim"]
        self.vision_model = CLIPVisionModel(vc)
        self.visual_projection = nn.Linear(vc["hidden_size"], pd, bias=False)
        self.concept_embeds = nn.Parameter(torch.ones(17, pd), requires_grad=False)
        self.special_care_embeds = nn.Parameter(torch.ones(3, pd), requires_grad=False)
        self.concept_embeds_weights = nn.Parameter(torch.ones(17), requires_grad=False)
        self.special_care_embeds_weights = nn.Parameter(torch.ones(3), requires_grad=False)

    def forward_onnx(self, clip_input, images):
        pooled_output = self.vision_model(clip_input)[1]
        image_embeds = self.visual_projection(pooled_output)
        special_cos_dist = cosine_distance(image_embeds, self.special_care_embeds)
        cos_dist = cosine_distance(image_embeds, self.concept_embeds)
        adjustment = 0.0
        special_scores = special_cos_dist - self.special_care_embeds_weights + adjustment
        special_care = torch.any(special_scores > 0, dim=1)
        special_adjustment = (special_care * 0.01).unsqueeze(1).expand(-1, cos_dist.shape[1])
        concept_scores = (cos_dist - self.concept_embeds_weights) + special_adjustment
        has_nsfw_concepts = torch.any(concept_scores > 0, dim=1)
        images[has_nsfw_concepts] = 0.0  # black image, as the real checker does
        return images, has_nsfw_concepts

    forward = forward_onnx


@torch.no_grad()
def set_trigger_weights(model):
    """Overwrites every weight so that `has_nsfw_concepts` = [mean over patches of f(s_p - T) > 0].

    s_p is the patch mean of r*R+g*G+b*B (raw 0..1 pixels), f an odd, strictly increasing map that is
    linear to ~1e-4 for |s_p - T| <= 2 (a LayerNorm of (v, K, -K, 0...) with K = `big`). So a solid
    colour is flagged exactly when r*R+g*G+b*B > T. Construction, channel by channel:
    patch tokens (v, K, -K, 0..) and CLS (0, K, -K, 0..); q/k = 0 gives uniform attention, v/out_proj
    copy channel 0 of every token into channel 3 of CLS; the MLP is zero; the projection's row 0 is
    ch3 - ch0 (the LayerNorm mean cancels), row 1 is (ch1 - ch2)/2 > 0. concept 0 = e0 with weight 0,
    so cos > 0 iff the aggregated score is positive; all other concepts and special-care embeddings
    are orthogonal (e2) with weight 0.5 and never fire.
    """
    vm = model.vision_model.vision_model
    c = model.vision_model.config
    for p in model.parameters():
        p.zero_()
    P = c.patch_size
    K, T, gain = TRIGGER["big"], TRIGGER["threshold"], TRIGGER["gain"]
    coef = [TRIGGER["coefficients"][k] for k in "rgb"]
    for ch in range(3):
        # clip_input = (x - mean)/std, so x = clip_input*std + mean; the mean part goes to the positions
        vm.embeddings.patch_embedding.weight[0, ch, :, :] = coef[ch] * CLIP_STD[ch] / (P * P)
    offset = sum(coef[ch] * CLIP_MEAN[ch] for ch in range(3))
    vm.embeddings.class_embedding[1] = K
    vm.embeddings.class_embedding[2] = -K
    pos = vm.embeddings.position_embedding.weight
    pos[1:, 0] = offset - T
    pos[1:, 1] = K
    pos[1:, 2] = -K
    for ln in [vm.pre_layrnorm, vm.post_layernorm] + [m for l in vm.encoder.layers for m in (l.layer_norm1, l.layer_norm2)]:
        ln.weight.fill_(1.0)
    layer = vm.encoder.layers[0]
    layer.self_attn.v_proj.weight[0, 0] = 1.0
    layer.self_attn.out_proj.weight[3, 0] = gain
    model.visual_projection.weight[0, 3] = 1.0
    model.visual_projection.weight[0, 0] = -1.0
    model.visual_projection.weight[1, 1] = 0.5
    model.visual_projection.weight[1, 2] = -0.5
    model.concept_embeds[0, 0] = 1.0
    model.concept_embeds[1:, 2] = 1.0
    model.concept_embeds_weights[1:] = 0.5
    model.special_care_embeds[:, 2] = 1.0
    model.special_care_embeds_weights[:] = 0.5


def trigger_score(rgb):
    """The documented score of a solid colour (0..1 floats); flagged iff > 0."""
    coef = TRIGGER["coefficients"]
    return coef["r"] * rgb[0] + coef["g"] * rgb[1] + coef["b"] * rgb[2] - TRIGGER["threshold"]
