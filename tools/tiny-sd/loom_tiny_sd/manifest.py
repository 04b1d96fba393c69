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
            # loom-tiny's LoRAs and renders share these folders but come from tools/loom-tiny
            if path.is_file() and "loom-tiny" not in rel(path):
                data = path.read_bytes()
                files[rel(path)] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    doc = {"generator": "tools/tiny-sd/generate.sh", "total_bytes": sum(f["bytes"] for f in files.values()),
           "files": dict(sorted(files.items()))}
    (TOOL_DIR / "manifest.json").write_text(json.dumps(doc, indent=2) + "\n")
    return doc
