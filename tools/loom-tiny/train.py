#!/usr/bin/python3
"""Trains and exports loom-tiny, Loom's embedded default model, on the CPU. Stages resume from their
checkpoints in tools/loom-tiny/work/, so an interrupted run continues where it stopped.

Usage: /usr/bin/python3 tools/loom-tiny/train.py [stage ...]      (no stage: all, in order)
Stages: data tokenizer vae vae-objects latents vae-decoder vae-edges unet lora-4 lora-8 lora-16 export, and preview (a sample sheet)
and from-onnx (the committed models/loom-tiny as the finished unet and vae-edges checkpoints and its
tokenizer, for LoRA work on a clone without work/: `train.py from-onnx data latents lora-16`),
export-loras (only the LoRA files of `export`), and
lora-{recipe}-{rank} (train_lora.RECIPES other than the default: experiments, not exported)
"""
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import torch  # noqa: E402

from loom_tiny import data, train_lora, train_vae, train_unet  # noqa: E402

STAGES = {
    "data": data.build,
    "tokenizer": data.merges,
    "vae": train_vae.train,
    "vae-objects": train_vae.train_objects,
    "latents": train_vae.encode_all,
    "vae-decoder": train_vae.train_decoder,
    "vae-edges": train_vae.train_edges,
    "unet": train_unet.train,
}


def lora_stage(rank, recipe=train_lora.DEFAULT):
    return lambda: train_lora.train(rank, recipe)


def export_stage():
    from loom_tiny import export
    export.export_all()


for r in (4, 8, 16):
    STAGES[f"lora-{r}"] = lora_stage(r)
STAGES["export"] = export_stage
IN_ORDER = list(STAGES)


def preview_stage():
    from loom_tiny import preview
    preview.run()


STAGES["preview"] = preview_stage  # a training aid, not part of the default run


def from_onnx_stage():
    from loom_tiny import from_onnx
    from_onnx.run()


STAGES["from-onnx"] = from_onnx_stage  # a fresh clone's way to the LoRA stages, not part of the default run


def export_loras_stage():
    from loom_tiny import export
    export.export_loras()


# the LoRA files alone: after retraining LoRAs on a base read back by from-onnx, leaves models/loom-tiny as committed
STAGES["export-loras"] = export_loras_stage
for recipe in train_lora.RECIPES:  # the recipes tried; only `lora-{rank}` (train_lora.DEFAULT) is exported
    for r in (4, 8, 16):
        STAGES.setdefault(train_lora.name(r, recipe), lora_stage(r, recipe))


def main(names):
    torch.set_num_threads(int(os.environ.get("LOOM_TINY_THREADS", "2")))  # 1 to run two stages side by side
    unknown = [n for n in names if n not in STAGES]
    if unknown:
        raise SystemExit(f"unknown stage(s) {', '.join(unknown)}; stages: {' '.join(STAGES)}")
    for name in names or IN_ORDER:
        started = time.time()
        STAGES[name]()
        print(f"[{name}] {time.time() - started:.0f} s", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
