"""Independent torch re-derivation of ComfyUI's sampling and prompt-weighting math (see ../README.md)."""
