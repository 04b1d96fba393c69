"""A minimal safetensors writer (format: huggingface/safetensors README).

8-byte little-endian header length N, N bytes of JSON (`dtype`, `shape`, `data_offsets` per tensor,
optional `__metadata__` string map) padded with spaces to a multiple of 8, then the raw little-endian
C-order bytes. Tensors are laid out in sorted-name order, so the bytes are deterministic.
"""
import json
import struct

import numpy as np
import torch

DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.int64: "I64",
          torch.int32: "I32", torch.bool: "BOOL"}


def tensor_bytes(t):
    t = t.detach().contiguous().cpu()
    if t.dtype == torch.bfloat16:
        return t.view(torch.int16).numpy().astype("<i2").tobytes()
    if t.dtype == torch.bool:
        return t.numpy().astype(np.uint8).tobytes()
    return t.numpy().astype(t.numpy().dtype.newbyteorder("<")).tobytes()


def save(path, tensors, metadata=None):
    """tensors: {name: torch.Tensor} (F32, F16, BF16, I64, I32, BOOL). Returns the path. Written one
    tensor at a time, so a multi-GB state dict is never copied whole."""
    header = {}
    offset = 0
    for name in sorted(tensors):
        t = tensors[name]
        n = t.numel() * t.element_size()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + n]}
        offset += n
    if metadata:
        header = {"__metadata__": dict(metadata), **header}
    raw = json.dumps(header, separators=(",", ":")).encode("utf-8")
    raw += b" " * ((8 - len(raw) % 8) % 8)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for name in sorted(tensors):
            f.write(tensor_bytes(tensors[name]))
    return path
