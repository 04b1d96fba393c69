#!/usr/bin/python3
"""Writes test/fixtures/checkpoints only (also part of generate.py) and refreshes manifest.json.

Usage: /usr/bin/python3 tools/tiny-sd/make_checkpoints.py [--inpaint-only]    (about 10 s)
`--inpaint-only` writes just tiny-sd15-inpainting.* (leaving the legacy-format files, whose bytes change on every
write, untouched).
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import torch  # noqa: E402

from loom_tiny_sd import bpe, checkpoints, configs, corpus, manifest, models  # noqa: E402
from loom_tiny_sd.paths import REPO  # noqa: E402

if __name__ == "__main__":
    torch.set_num_threads(1)
    write = checkpoints.inpaint_file if "--inpaint-only" in sys.argv[1:] else checkpoints.build
    write(models.build_all(), bpe.train(corpus.captions(), configs.VOCAB_SIZE), REPO / "test/fixtures/checkpoints")
    doc = manifest.build()
    print(f"{len(doc['files'])} files, {doc['total_bytes']:,} bytes")
