#!/usr/bin/python3
"""Rewrites only the textual-inversion fixtures and references (loom_tiny_sd/embeddings.py) and
tools/tiny-sd/manifest.json. generate.py writes them too. Deterministic.
Usage: /usr/bin/python3 tools/tiny-sd/make_embeddings.py (~5 s)
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import torch  # noqa: E402

from loom_tiny_sd import embeddings, manifest, models  # noqa: E402


def main():
    torch.set_num_threads(1)
    keys = embeddings.build(models.build_all())
    doc = manifest.build()
    print(f"wrote {embeddings.OUT} and {embeddings.REF} {keys}; manifest: {len(doc['files'])} files")


if __name__ == "__main__":
    main()
