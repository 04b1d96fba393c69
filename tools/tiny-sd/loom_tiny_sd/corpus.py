"""The caption corpus the tiny BPE is trained on: portrait prompts in the style of the seed's
prompt library (read from ../shared/reference/seed-playground at build time) plus our own templates."""
import itertools
import json

from .paths import REFERENCE

SUBJECTS = ["girl", "boy", "woman", "man", "cat", "dog", "robot", "knight", "witch", "wizard", "princess", "dragon"]
COLOURS = ["red", "blue", "green", "yellow", "purple", "orange", "black", "white", "pink", "brown", "gray", "golden",
           "silver"]
STYLES = ["loom style", "genshin impact style", "oil painting", "watercolor", "digital art", "photo", "anime",
          "sketch", "pixel art", "studio lighting", "cinematic"]
TEMPLATES = [
    "a portrait of a {colour} haired {subject}, {style}",
    "hip-up body portrait of a {subject}, {colour} theme, {style}, highly detailed",
    "a {subject} wearing a {colour} dress, {style}, best quality, 4k",
    "close-up photo of a smiling {subject} with {colour} eyes, {style}",
    "(masterpiece), 1{subject}, {colour} background, {style}, 8k",
]

# Extra descriptive vocabulary so the trained BPE has room for ~500 merges.
EXTRA = """
forest castle beach mountain city street garden library kitchen bedroom desert ocean river waterfall snow rain
sunset sunrise night morning evening twilight moonlight candlelight neon rim backlight soft hard volumetric fog
smoke fire lightning stars galaxy nebula clouds sky flowers roses tulips sunflowers cherry blossoms leaves autumn
winter spring summer hat scarf jacket coat armor cloak kimono hoodie sweater necklace earrings crown glasses mask
sword shield staff book lantern umbrella guitar violin camera teacup coffee bread apple orange lemon strawberry
smiling laughing serious angry sad calm sleepy surprised curious proud gentle brave elegant cute beautiful handsome
young old tall short slender freckles ponytail braids curly straight wavy bangs bob long hair eyes lips cheeks
realistic stylized painterly impressionist surreal minimalist vintage retro futuristic cyberpunk steampunk fantasy
medieval victorian baroque renaissance gothic ethereal dreamy moody vibrant pastel muted monochrome sepia
octane render unreal engine trending artstation sharp focus bokeh depth of field wide angle telephoto macro
portrait landscape symmetrical centered composition rule thirds golden hour blue hour dramatic shadows highlights
""".split()
# Test prompts whose ids are stored with the references (tokenizer parity checks use them).
PROMPTS = {
    "positive": "a portrait of a girl, red theme, loom style, highly detailed",
    "negative": "worst quality, low quality, blurry",
    "empty": "",
}


def captions():
    out = [t.format(subject=s, colour=c, style=st)
           for t, s, c, st in itertools.product(TEMPLATES, SUBJECTS, COLOURS, STYLES)]
    for name in ("dreamshaper", "sd_xl"):
        lib = json.loads((REFERENCE / "seed-playground" / name / "prompts.json").read_text())
        words = lib["major"] + lib["positives"] + lib["negatives"] + [w for group in lib["combinations"] for w in group]
        out.extend(words)
    out.extend(" ".join(EXTRA[i:i + 6]) for i in range(0, len(EXTRA), 6))
    out.extend(f"{a} {b}" for a, b in zip(EXTRA, EXTRA[1:]))
    out.extend(PROMPTS.values())
    return out
