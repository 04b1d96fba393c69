"""Diffusers/transformers-faithful tiny Stable Diffusion replicas and fixture generators (see ../README.md)."""
