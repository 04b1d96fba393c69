"""A minimal PNG writer (zlib from the standard library) for dataset preview sheets."""
import struct
import zlib

import numpy as np


def write_png(path, rgb):
    """rgb: uint8 [H, W, 3]."""
    h, w, _ = rgb.shape
    raw = b"".join(b"\x00" + rgb[y].tobytes() for y in range(h))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def sheet(images, columns):
    """Tiles [N, H, W, 3] into one image, `columns` wide, with 2-pixel gaps."""
    n, h, w, _ = images.shape
    rows = -(-n // columns)
    out = np.full((rows * (h + 2), columns * (w + 2), 3), 255, dtype=np.uint8)
    for i, img in enumerate(images):
        r, c = divmod(i, columns)
        out[r * (h + 2):r * (h + 2) + h, c * (w + 2):c * (w + 2) + w] = img
    return out
