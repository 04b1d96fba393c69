"""loom-tiny: dataset, training and export of Loom's embedded default model (see ../README.md)."""
from . import paths  # noqa: F401  (puts the fixtures' replicas, tools/tiny-sd/loom_tiny_sd, on the path)
