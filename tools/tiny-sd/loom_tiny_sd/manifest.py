"""tools/tiny-sd/manifest.json: sha256 and byte size of every generated file (repo-relative paths)."""
import hashlib
import json

from .paths import REPO, TOOL_DIR, rel

GENERATED = ["models/tiny-sd15", "models/tiny-sdxl", "models/upscale_models", "models/safety_checker",
             "models/loras", "test/fixtures"]


def build():
    files = {}
    for root in GENERATED:
        for path in sorted((REPO / root).rglob("*")):
            # loom-tiny's LoRAs and checker renders come from tools/loom-tiny, test/fixtures/upstream is copied
            # config files, latent_preview.json is fitted by `npm run fit-preview`: none is this generator's
            # (the same rule as test/fixtures.test.ts)
            generated = "loom-tiny" not in rel(path) and not rel(path).startswith("test/fixtures/upstream/") and not path.name == "latent_preview.json"
            if path.is_file() and generated:
                data = path.read_bytes()
                files[rel(path)] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    doc = {"generator": "tools/tiny-sd/generate.sh", "total_bytes": sum(f["bytes"] for f in files.values()),
           "files": dict(sorted(files.items()))}
    (TOOL_DIR / "manifest.json").write_text(json.dumps(doc, indent=2) + "\n")
    return doc


def rebuild_part(part):
    """For the scripts that rewrite one part of the fixtures: runs `part(models)` on the seeded models with one
    torch thread (bitwise-reproducible), then rewrites the manifest. Returns (what `part` returned, manifest)."""
    import torch

    from . import models

    torch.set_num_threads(1)
    out = part(models.build_all())
    return out, build()
