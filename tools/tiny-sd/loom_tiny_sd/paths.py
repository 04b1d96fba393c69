"""Repository-relative locations shared by the generators."""
from pathlib import Path

TOOL_DIR = Path(__file__).resolve().parent.parent          # tools/tiny-sd
REPO = TOOL_DIR.parent.parent                              # repository root
REFERENCE = (REPO / ".." / "shared" / "reference").resolve()  # read at build time, never copied


def rel(path):
    """Repository-relative POSIX path of a generated file."""
    return Path(path).resolve().relative_to(REPO).as_posix()
