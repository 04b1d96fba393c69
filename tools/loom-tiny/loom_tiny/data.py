"""The rendered datasets and the tokenizer, cached in the work folder (stages `data` and `tokenizer`)."""
import functools
import json

import numpy as np
import torch

from loom_tiny_sd import bpe, corpus

from . import world
from .paths import REPO, WORK

BASE_COUNT, STYLE_COUNT = 12000, 1200
# kind -> (count, seed, styled, look): the base world, the styled set in each look of world.LOOKS
# (`style` is look `ink`, the committed LoRAs' set; same seed, so `style-hue` shows the same scenes)
KINDS = {"base": (BASE_COUNT, 1, False, "ink"), "style": (STYLE_COUNT, 2, True, "ink"), "style-hue": (STYLE_COUNT, 2, True, "hue"),
         "style-hue-plain": (STYLE_COUNT, 2, True, "hue-plain")}


def _file(kind):
    return WORK / f"data-{kind}.npz"


def build():
    WORK.mkdir(parents=True, exist_ok=True)
    for kind, (count, seed, style, look) in KINDS.items():
        if _file(kind).exists():
            continue
        print(f"[data] rendering {count} {kind} images")
        images, captions = world.training_set(count, seed, style, look)
        np.savez(_file(kind), images=images, captions=np.array(captions))


def load(kind):
    with np.load(_file(kind)) as f:
        return f["images"], [str(c) for c in f["captions"]]


def tokenizer_corpus():
    """The fixtures' caption corpus plus every world caption shape and Loom's prompt library words."""
    texts = corpus.captions()
    for scene in world.all_combos():
        texts += [world.caption(scene, t) for t in world.WORLD["templates"]]
    texts += world.WORLD["fillers"] * 20 + [world.WORLD["style"]["tag"]] * 50
    library = json.loads((REPO / "prompts.json").read_text())
    texts += [json.dumps(library)]
    return texts


def merges():
    file = WORK / "merges.json"
    if not file.exists():
        print("[tokenizer] training the BPE")
        file.write_text(json.dumps(bpe.train(tokenizer_corpus(), 1024)))
    return [tuple(m) for m in json.loads(file.read_text())]


def tokenizer():
    m = merges()
    tok = bpe.Tokenizer(bpe.build_vocab(m), m)
    tok.bpe = functools.lru_cache(maxsize=None)(tok.bpe)  # captions repeat the same few hundred words
    return tok


def to_tensor(images):
    """uint8 [N,H,W,3] -> float [-1, 1] [N,3,H,W] (the VAE's input range)."""
    # contiguous NCHW: a permuted (channels-last) input makes every conv and GroupNorm take slow paths
    return torch.from_numpy(images).permute(0, 3, 1, 2).contiguous().float().div(127.5).sub(1.0)
