"""Repository-relative locations shared by the generators."""
from pathlib import Path

TOOL_DIR = Path(__file__).resolve().parent.parent          # tools/tiny-sd
REPO = TOOL_DIR.parent.parent                              # repository root
# Configs, tokenizer and prompt files of public Stable Diffusion repositories (CompVis/stable-diffusion-v1-4,
# onnx revision; stabilityai/stable-diffusion-xl-base-1.0), kept beside the repository: read at build time, never copied.
REFERENCE = (REPO / ".." / "shared" / "reference").resolve()


def rel(path):
    """Repository-relative POSIX path of a generated file."""
    return Path(path).resolve().relative_to(REPO).as_posix()
