#!/usr/bin/python3
"""Regenerates every tiny-SD fixture (models/, test/fixtures/) and tools/tiny-sd/manifest.json.

Deterministic: fixed seeds, sorted outputs; running it twice gives identical bytes (see README.md).
Usage: /usr/bin/python3 tools/tiny-sd/generate.py     (about 2-3 minutes on 2 cores)
"""
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import torch  # noqa: E402

from loom_tiny_sd import build, builder_fixtures, checkpoints, clip_skip, embeddings, lora_fixtures, manifest, models, reference_files  # noqa: E402
from loom_tiny_sd.paths import REPO  # noqa: E402

OUTPUTS = ["models/tiny-sd15", "models/tiny-sdxl", "models/upscale_models", "models/safety_checker", "models/loras",
           "test/fixtures/tiny-sd15-script", "test/fixtures/tiny-sd15-fp16", "test/fixtures/tiny-unet-external",
           "test/fixtures/loras", "test/fixtures/reference", "test/fixtures/builder", "test/fixtures/embeddings"]


def main():
    torch.set_num_threads(1)  # bitwise-reproducible CPU math across runs
    for out in OUTPUTS:
        shutil.rmtree(REPO / out, ignore_errors=True)
    m = models.build_all()
    merges = build.tokenizer_merges()
    print("exporting tiny-sd15 (Optimum)")
    build.sd15_optimum(m, merges, REPO / "models/tiny-sd15")
    print("exporting tiny-sd15-script (diffusers script)")
    build.sd15_script(m, merges, REPO / "test/fixtures/tiny-sd15-script")
    print("exporting tiny-sdxl (Optimum >= 1.24)")
    build.sdxl_optimum(m, merges, REPO / "models/tiny-sdxl")
    print("converting tiny-sd15-fp16")
    build.sd15_fp16(REPO / "models/tiny-sd15", REPO / "test/fixtures/tiny-sd15-fp16")
    print("exporting tiny-unet-external")
    build.unet_external(m, REPO / "test/fixtures/tiny-unet-external")
    build.standalone(REPO / "test/fixtures/tiny-sd15-script", m)
    print("writing checkpoint fixtures")
    checkpoints.build(m, merges, REPO / "test/fixtures/checkpoints")
    print("writing LoRA fixtures")
    loras = lora_fixtures.build(m)
    print("computing torch references")
    reference_files.build(m, merges, loras)
    clip_skip.build(m)
    embeddings.build(m)
    print("writing the graph builder's fixtures")
    builder_fixtures.build(m)
    doc = manifest.build()
    print(f"{len(doc['files'])} files, {doc['total_bytes']:,} bytes")


if __name__ == "__main__":
    main()
