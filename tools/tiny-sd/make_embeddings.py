#!/usr/bin/python3
"""Rewrites only the textual-inversion fixtures and references (loom_tiny_sd/embeddings.py) and
tools/tiny-sd/manifest.json. generate.py writes them too. Deterministic.
Usage: /usr/bin/python3 tools/tiny-sd/make_embeddings.py (~5 s)
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from loom_tiny_sd import embeddings, manifest  # noqa: E402

if __name__ == "__main__":
    keys, doc = manifest.rebuild_part(embeddings.build)
    print(f"wrote {embeddings.OUT} and {embeddings.REF} {keys}; manifest: {len(doc['files'])} files")
