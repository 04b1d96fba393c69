#!/usr/bin/python3
"""Rewrites only the CLIP skip references (loom_tiny_sd/clip_skip.py) and tools/tiny-sd/manifest.json.
generate.py writes them too. Deterministic. Usage: /usr/bin/python3 tools/tiny-sd/clip_skip_refs.py (~5 s)
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import torch  # noqa: E402

from loom_tiny_sd import clip_skip, manifest, models  # noqa: E402


def main():
    torch.set_num_threads(1)
    keys = clip_skip.build(models.build_all())
    doc = manifest.build()
    print(f"wrote {clip_skip.REF / 'clip-skip.safetensors'} {keys}; manifest: {len(doc['files'])} files")


if __name__ == "__main__":
    main()
