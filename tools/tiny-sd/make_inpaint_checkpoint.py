#!/usr/bin/python3
"""Writes only test/fixtures/checkpoints/tiny-sd15-inpainting.* (also part of make_checkpoints.py / generate.py)
and refreshes manifest.json.

Usage: /usr/bin/python3 tools/tiny-sd/make_inpaint_checkpoint.py     (a few seconds)
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import torch  # noqa: E402

from loom_tiny_sd import bpe, checkpoints, configs, corpus, manifest, models  # noqa: E402
from loom_tiny_sd.paths import REPO  # noqa: E402

if __name__ == "__main__":
    torch.set_num_threads(1)
    checkpoints.inpaint_file(models.build_all(), bpe.train(corpus.captions(), configs.VOCAB_SIZE), REPO / "test/fixtures/checkpoints")
    doc = manifest.build()
    print(f"{len(doc['files'])} files, {doc['total_bytes']:,} bytes")
