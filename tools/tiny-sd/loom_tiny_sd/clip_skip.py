"""Torch references for CLIP skip (issue 16): the features A1111 and ComfyUI condition on with skip k,
`final_layer_norm(hidden_states[-k])` (A1111 sd_hijack_clip.py `encode_with_transformers`, ComfyUI
sd1_clip.py `SDClipModel.forward`), by the tiny replicas in fp32 on the pipelines' reference input_ids.

test/fixtures/reference/clip-skip.safetensors, keys `<pipeline>.text_encoder.skip<k>`:
- tiny-sd15: the SD1.5 text encoder (the graph Loom builds from test/fixtures/builder/tiny-sd15);
- tiny-sdxl: the SDXL export's first text encoder, a CLIPTextModel exported with hidden_states
  (models/tiny-sdxl/text_encoder), standing for an Optimum export that exposes hidden states.
"""
import torch

from .builder_fixtures import load
from .paths import REPO
from .safetensors_io import save

REF = REPO / "test" / "fixtures" / "reference"
CASES = [("tiny-sd15", "sd15.text_encoder"), ("tiny-sdxl", "sdxl.text_encoder")]


@torch.no_grad()
def build(m):
    """Writes the references from the seeded models `m` (needs the pipelines' inputs.safetensors)."""
    out = {}
    for pipeline, key in CASES:
        te = m[key]
        ids = load(REF / pipeline / "inputs.safetensors")["text_encoder.input_ids"].long()
        _, _, states = te(ids, True)
        for k in range(2, len(states)):  # states[0] is the embeddings: skip k ≤ number of layers
            out[f"{pipeline}.text_encoder.skip{k}"] = te.text_model.final_layer_norm(states[-k]).contiguous()
    save(REF / "clip-skip.safetensors", out)
    return sorted(out)
