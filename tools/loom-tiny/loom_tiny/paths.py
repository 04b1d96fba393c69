"""Locations: this tool, the repository, the work folder for checkpoints, and the fixture replicas."""
import sys
from pathlib import Path

TOOL_DIR = Path(__file__).resolve().parent.parent          # tools/loom-tiny
REPO = TOOL_DIR.parent.parent
WORK = TOOL_DIR / "work"                                   # checkpoints and caches (gitignored)
MODEL_DIR = REPO / "models" / "loom-tiny"
LORA_DIR = REPO / "models" / "loras" / "loom-tiny"

# The diffusers-faithful replicas and exporters of the fixtures (tools/tiny-sd/loom_tiny_sd).
sys.path.insert(0, str(REPO / "tools" / "tiny-sd"))
