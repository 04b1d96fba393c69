#!/usr/bin/python3
"""Rewrites only the CLIP skip references (loom_tiny_sd/clip_skip.py) and tools/tiny-sd/manifest.json.
generate.py writes them too. Deterministic. Usage: /usr/bin/python3 tools/tiny-sd/clip_skip_refs.py (~5 s)
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from loom_tiny_sd import clip_skip, manifest  # noqa: E402

if __name__ == "__main__":
    keys, doc = manifest.rebuild_part(clip_skip.build)
    print(f"wrote {clip_skip.REF / 'clip-skip.safetensors'} {keys}; manifest: {len(doc['files'])} files")
