"""Writes packages/nodes/src/sd/comfy-prompt/fixtures/clip-weights.json: ComfyUI-style weighted encodings of a few
prompts by the tiny SD1.5 and SDXL text encoders (rebuilt from tools/tiny-sd's seeded replicas, fp32 torch)."""
import json
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.join(HERE, "../..")
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(REPO, "tools/tiny-sd"))
from comfy_ref.clip_weights import encode_token_weights, tokenize_with_weights  # noqa: E402
from loom_tiny_sd import bpe, configs  # noqa: E402
from loom_tiny_sd.clip import CLIPTextModel, CLIPTextModelWithProjection  # noqa: E402
from loom_tiny_sd.models import seeded  # noqa: E402

OUT = os.path.join(REPO, "packages/nodes/src/sd/comfy-prompt/fixtures")
PROMPTS = [
    "a lighthouse at dawn",
    "a (lighthouse:1.3) at (dawn), (stormy (sea:0.7) waves:1.1) \\(not weighted\\) [brackets] plain",
    "((red)) boat\non a lake",
    " ".join(["a tall lighthouse on a rocky coast at dawn with waves"] * 5) + " (final:1.4)",
    "",
]


def merges_of(path):
    lines = open(path, encoding="utf-8").read().split("\n")[1:]
    return [tuple(l.split(" ")) for l in lines if l]


def main():
    torch.manual_seed(0)
    merges = merges_of(os.path.join(REPO, "models/tiny-sd15/tokenizer/merges.txt"))
    vocab = json.load(open(os.path.join(REPO, "models/tiny-sd15/tokenizer/vocab.json"), encoding="utf-8"))
    tok = bpe.Tokenizer(vocab, merges)
    encode_word = lambda word: [vocab[t] for w in bpe.words_of(word) for t in tok.bpe(w)]
    bos, eos = vocab[bpe.BOS], vocab[bpe.EOS]
    sd15 = seeded(101, lambda: CLIPTextModel(configs.SD15_TEXT))
    xl_l = seeded(201, lambda: CLIPTextModel(configs.SDXL_TEXT))
    xl_g = seeded(202, lambda: CLIPTextModelWithProjection(configs.SDXL_TEXT_2))

    @torch.no_grad()
    def run(model, batch, layer):
        out = model(torch.tensor(batch), True)
        if isinstance(model, CLIPTextModelWithProjection):
            return out[2][-2], out[0]
        return (out[0] if layer == "last" else out[2][-2]), None

    cases = []
    for prompt in PROMPTS:
        w_l = tokenize_with_weights(prompt, vocab, encode_word, bos, eos, eos)
        w_g = tokenize_with_weights(prompt, vocab, encode_word, bos, eos, 0)
        sd, _ = encode_token_weights(lambda b: run(sd15, b, "last"), w_l, bos, eos, eos)
        l, _ = encode_token_weights(lambda b: run(xl_l, b, "hidden"), w_l, bos, eos, eos)
        g, pooled = encode_token_weights(lambda b: run(xl_g, b, "hidden"), w_g, bos, eos, 0)
        cut = min(l.shape[1], g.shape[1])
        xl = torch.cat([l[:, :cut], g[:, :cut]], dim=-1)
        cases.append(dict(
            prompt=prompt,
            windows=[[[t, w] for t, w in window] for window in w_l],
            sd15=dict(shape=list(sd.shape), values=[float("%.7g" % v) for v in sd.flatten().tolist()]),
            sdxl=dict(shape=list(xl.shape), values=[float("%.7g" % v) for v in xl.flatten().tolist()],
                      pooled=[float("%.7g" % v) for v in pooled.flatten().tolist()]),
        ))
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "clip-weights.json"), "w") as f:
        json.dump(dict(cases=cases), f, separators=(",", ":"))
        f.write("\n")
    print("wrote", len(cases), "cases")


main()
