"""Build full-size replicas without allocating their weights (torch 1.13 has no `torch.device` context)."""
import contextlib

import torch

_FACTORIES = ("empty", "zeros", "ones", "randn")


@contextlib.contextmanager
def meta_device():
    """Inside, tensor factories called without a device allocate on the `meta` device (shape only)."""
    saved = {name: getattr(torch, name) for name in _FACTORIES}

    def wrap(fn):
        def factory(*args, **kwargs):
            if kwargs.get("device") is None:
                kwargs["device"] = "meta"
            return fn(*args, **kwargs)
        return factory

    try:
        for name, fn in saved.items():
            setattr(torch, name, wrap(fn))
        yield
    finally:
        for name, fn in saved.items():
            setattr(torch, name, fn)


def count_parameters(module):
    return sum(p.numel() for p in module.parameters())
