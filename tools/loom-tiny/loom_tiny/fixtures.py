"""Files the TypeScript side reads: the held-out evaluation prompts, and labelled world renders that
test the quality checker independently of any model (test/fixtures/loom-tiny-world/)."""
import json
import random

from . import world
from .paths import REPO, TOOL_DIR
from .png import write_png

HELD_OUT_COUNT = 200
FIXTURE_DIR = REPO / "test" / "fixtures" / "loom-tiny-world"


def held_out_file():
    rows = [{"prompt": p, "colour": s.colour, "shape": s.shape, "position": s.position, "size": s.size}
            for s, p in world.held_out_prompts(HELD_OUT_COUNT)]
    (TOOL_DIR / "held-out-prompts.json").write_text(json.dumps(
        {"$comment": "Held-out prompts for the quality check: their (colour, shape, position, size) combinations "
                     "never occur in training (tools/loom-tiny/loom_tiny/world.py split_combos).",
         "prompts": rows}, indent=1) + "\n")


def checker_fixture(per_kind=60):
    """Every combination family, rendered with jitter, base and styled, with its labels."""
    rng = random.Random(77)
    combos = world.all_combos()
    labels = []
    FIXTURE_DIR.mkdir(parents=True, exist_ok=True)
    for style in (False, True):
        for i in range(per_kind):
            scene = combos[rng.randrange(len(combos))]
            name = f"{'style' if style else 'base'}-{i:03d}.png"
            write_png(FIXTURE_DIR / name, world.render(scene, rng, style))
            labels.append({"file": name, "style": style, "colour": scene.colour, "shape": scene.shape,
                           "position": scene.position, "size": scene.size})
    (FIXTURE_DIR / "labels.json").write_text(json.dumps(labels, indent=1) + "\n")
