"""The procedural world of loom-tiny (world.json): scenes, their captions and their renders.

A scene is one shape (colour, shape, position, size) on a plain background, 64x64. The "loom style"
variant draws the same scene as ink-outlined cel art on paper: a dark outline, the lower-right half of
the shape in a darker shade, a warm paper background. Its look `ink` (the committed LoRAs' set) draws
the outline in one dark ink; the look `hue` draws it in the fill's own colour darkened (× `style.hueInk`),
so every styled pixel of the shape keeps the fill's hue (scaling RGB by one factor changes HSV's value
only: the shaded half already did); `hue-plain` is `hue` on the plain world's background instead of
the paper: experiments against the LoRAs' colour shift (quality/README.md). Renders are 4x
supersampled and box-filtered, so edges are anti-aliased like a photo-sized picture scaled down.
"""
import itertools
import json
import random
import re
from dataclasses import dataclass

import numpy as np

from .paths import TOOL_DIR

WORLD = json.loads((TOOL_DIR / "world.json").read_text())
SUPERSAMPLE = 4


@dataclass(frozen=True)
class Scene:
    colour: str
    shape: str
    position: str
    size: str

    def combo(self):
        return (self.colour, self.shape, self.position, self.size)


def all_combos():
    return [Scene(*c) for c in itertools.product(WORLD["colours"], WORLD["shapes"], WORLD["positions"], WORLD["sizes"])]


def split_combos():
    """(training, held-out) scenes: a seeded fraction of all combinations never appears in training."""
    combos = all_combos()
    rng = random.Random(WORLD["heldOut"]["seed"])
    held = set(rng.sample(range(len(combos)), round(len(combos) * WORLD["heldOut"]["fraction"])))
    return [c for i, c in enumerate(combos) if i not in held], [c for i, c in enumerate(combos) if i in held]


def caption(scene, template, fillers=(), style=False):
    text = template.format(colour=scene.colour, shape=scene.shape, size=scene.size,
                           position=WORLD["positions"][scene.position]["phrase"])
    text = re.sub(r"\b(a|A) (?=[aeiou])", r"\1n ", text)
    parts = [text, *fillers] + ([WORLD["style"]["tag"]] if style else [])
    return ", ".join(parts)


def random_caption(scene, rng, style=False):
    """A training caption: any template, sometimes with filler tags the model must learn to ignore."""
    fillers = rng.sample(WORLD["fillers"], rng.choice([0, 0, 1, 2, 3]))
    return caption(scene, rng.choice(WORLD["templates"]), fillers, style)


def _shape_mask(shape, cx, cy, r, xs, ys):
    if shape == "circle":
        return (xs - cx) ** 2 + (ys - cy) ** 2 <= r * r
    if shape == "square":
        h = r * 0.89  # same area as the circle of radius r
        return (np.abs(xs - cx) <= h) & (np.abs(ys - cy) <= h)
    # an upright isosceles triangle with the circle's bounding box: apex at the top, base at the bottom
    top, bottom = cy - r * 1.1, cy + r * 1.1
    t = (ys - top) / (bottom - top)
    return (t >= 0) & (t <= 1) & (np.abs(xs - cx) <= t * r * 1.15)


# look -> (outline in the fill's own colour, paper background)
LOOKS = {"ink": (False, True), "hue": (True, True), "hue-plain": (True, False)}


def render(scene, rng, style=False, look="ink"):
    """uint8 [64, 64, 3]. `rng` (random.Random) draws the jitter: position, radius, colours. `look`
    (styled only): the outline's colour, one of LOOKS; both draw the same jitter, so the same seed
    gives the same scenes in either look."""
    n = WORLD["size"]
    j = WORLD["jitter"]
    big = n * SUPERSAMPLE
    coords = (np.arange(big) + 0.5) / SUPERSAMPLE
    xs, ys = np.meshgrid(coords, coords)
    cx, cy = (c + rng.uniform(-j["position"], j["position"]) for c in WORLD["positions"][scene.position]["centre"])
    r = WORLD["sizes"][scene.size] + rng.uniform(-j["radius"], j["radius"])
    own_ink, paper = LOOKS[look]
    base = np.array(WORLD["style"]["paper"] if style and paper else WORLD["background"], dtype=np.float32)
    background = base + rng.uniform(-j["background"], j["background"])
    colour = np.array(WORLD["colours"][scene.colour], dtype=np.float32) + [rng.uniform(-j["colour"], j["colour"]) for _ in range(3)]
    img = np.empty((big, big, 3), dtype=np.float32)
    img[:] = background
    inside = _shape_mask(scene.shape, cx, cy, r, xs, ys)
    if style:
        w = WORLD["style"]["outlinePx"]
        outline = _shape_mask(scene.shape, cx, cy, r + w, xs, ys)
        img[outline] = colour * WORLD["style"]["hueInk"] if own_ink else WORLD["style"]["ink"]
        fill = np.where(((xs - cx) + (ys - cy) > 0)[..., None], colour * WORLD["style"]["shade"], colour)
        img[inside] = fill[inside]
    else:
        img[inside] = colour
    small = img.reshape(n, SUPERSAMPLE, n, SUPERSAMPLE, 3).mean(axis=(1, 3))
    return np.clip(np.rint(small), 0, 255).astype(np.uint8)


def training_set(count, seed, style=False, look="ink"):
    """(images uint8 [N,64,64,3], captions) over the training combinations."""
    train, _ = split_combos()
    rng = random.Random(seed)
    images = np.empty((count, WORLD["size"], WORLD["size"], 3), dtype=np.uint8)
    captions = []
    for i in range(count):
        scene = rng.choice(train)
        images[i] = render(scene, rng, style, look)
        captions.append(random_caption(scene, rng, style))
    return images, captions


def held_out_prompts(count, seed=1):
    """[(scene, prompt)]: held-out combinations, each phrased with the templates in turn."""
    _, held = split_combos()
    pairs = [(scene, caption(scene, t)) for t in WORLD["templates"] for scene in held]
    random.Random(seed).shuffle(pairs)
    assert count <= len(pairs), f"only {len(pairs)} held-out prompts exist"
    return pairs[:count]
