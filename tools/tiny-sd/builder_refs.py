#!/usr/bin/python3
"""Rewrites only the graph builder's fixtures (test/fixtures/builder, see loom_tiny_sd/builder_fixtures.py)
and tools/tiny-sd/manifest.json, without re-exporting anything else. generate.py writes them too.

Deterministic (seeded models, sorted keys). Usage: /usr/bin/python3 tools/tiny-sd/builder_refs.py (~10 s)
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import torch  # noqa: E402

from loom_tiny_sd import builder_fixtures, manifest, models  # noqa: E402


def main():
    torch.set_num_threads(1)
    builder_fixtures.build(models.build_all())
    doc = manifest.build()
    print(f"wrote {builder_fixtures.OUT}; manifest: {len(doc['files'])} files, {doc['total_bytes']:,} bytes")


if __name__ == "__main__":
    main()
