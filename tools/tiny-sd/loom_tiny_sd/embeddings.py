"""Textual-inversion fixtures (issue 16 part 1): embedding files in every format users have, for the
tiny text encoders, and torch references of prompts that use them.

test/fixtures/embeddings/sd15 (width 32 = models/tiny-sd15 text_encoder hidden_size):
- tinycat.pt            A1111 `.pt` (torch.save zip): string_to_param {"*": [2, 32]}, string_to_token, name,
                        step, sd_checkpoint (A1111 modules/textual_inversion/textual_inversion.py `Embedding.save`)
- tinystyle.safetensors A1111 `.safetensors`: emb_params [3, 32]
- learned_embeds.bin    diffusers textual_inversion.py `save_progress` pickle: {"<tiny-token>": [32]} (one vector, 1-D)
- concept.safetensors   diffusers' safetensors flavour: {"<concept>": [1, 32]}
- wide.safetensors      emb_params [1, 48]: the wrong width for SD1.5
test/fixtures/embeddings/sdxl: tinyxl.safetensors {clip_l [2, 32], clip_g [2, 48]} (the SDXL layout).

test/fixtures/reference/embeddings.safetensors: the conditioning Loom's nodes must produce, re-derived here
in torch from the replicas' modules: token embeddings with the file's vectors written over the placeholder
slots (A1111 sd_hijack.py `EmbeddingsWithFixes.forward`; ComfyUI sd1_clip.py `process_tokens`), the encoder,
then each tool's weighting:
- `<pipeline>.a1111`: TextEncoder "a (tinyxl:1.2) cat": z·w then the mean restore (A1111 sd_hijack_clip.py
  `process_tokens`), per encoder. SD1.5's is "a tinycat cat" without a weight: the tiny encoder's final norm has
  zero bias, so its output's mean is ~0 and the restore's ratio of means would only measure float32 noise;
  weights on embedding slots are covered by SDXL here and by the ComfyUI references;
- `<pipeline>.comfy`: CLIPTextEncode "a (embedding:tinycat:1.2) cat": z = (z − z_empty)·w + z_empty
  (ComfyUI sd1_clip.py `ClipTokenWeightEncoder.encode_token_weights`); SDXL also `<pipeline>.comfy.pooled`.
SD1.5 conditions on last_hidden_state; SDXL on hidden_states[-2] of both encoders, concatenated.
"""
import json

import torch

from .bpe import BOS, EOS, Tokenizer, words_of
from .clip import causal_mask
from .paths import REPO
from .safetensors_io import save

OUT = REPO / "test" / "fixtures" / "embeddings"
REF = REPO / "test" / "fixtures" / "reference" / "embeddings.safetensors"


def tokenizer(folder):
    vocab = json.loads((REPO / folder / "vocab.json").read_text(encoding="utf-8"))
    merges = [tuple(line.split(" ")) for line in (REPO / folder / "merges.txt").read_text(encoding="utf-8").splitlines()[1:] if line]
    special = json.loads((REPO / folder / "special_tokens_map.json").read_text(encoding="utf-8"))
    return Tokenizer(vocab, merges, pad_token=special["pad_token"])


def ids_of(tok, text):
    """A fragment's token ids without bos/eos (what both tools lay into a window)."""
    return [tok.vocab[t] for w in words_of(text) for t in tok.bpe(w)]


def vectors(gen, n, width, scale):
    return (torch.randn(n, width, generator=gen) * scale).contiguous()


def write_files(m):
    """Writes the embedding files; returns {name: {encoder key: [n, width] tensor}}."""
    gen = torch.Generator().manual_seed(1616)
    sd15_scale = m["sd15.text_encoder"].text_model.embeddings.token_embedding.weight.std().item()
    (OUT / "sd15").mkdir(parents=True, exist_ok=True)
    (OUT / "sdxl").mkdir(parents=True, exist_ok=True)
    tinycat = vectors(gen, 2, 32, sd15_scale)
    torch.save({"string_to_token": {"*": 265}, "string_to_param": {"*": tinycat.clone().requires_grad_(True)},
                "name": "tinycat", "step": 500, "sd_checkpoint": "0123456789", "sd_checkpoint_name": "tiny-sd15"},
               OUT / "sd15" / "tinycat.pt")
    save(OUT / "sd15" / "tinystyle.safetensors", {"emb_params": vectors(gen, 3, 32, sd15_scale)})
    torch.save({"<tiny-token>": vectors(gen, 1, 32, sd15_scale)[0].clone()}, OUT / "sd15" / "learned_embeds.bin")
    save(OUT / "sd15" / "concept.safetensors", {"<concept>": vectors(gen, 1, 32, sd15_scale)})
    save(OUT / "sd15" / "wide.safetensors", {"emb_params": vectors(gen, 1, 48, sd15_scale)})
    xl_l = vectors(gen, 2, 32, m["sdxl.text_encoder"].text_model.embeddings.token_embedding.weight.std().item())
    xl_g = vectors(gen, 2, 48, m["sdxl.text_encoder_2"].text_model.embeddings.token_embedding.weight.std().item())
    save(OUT / "sdxl" / "tinyxl.safetensors", {"clip_l": xl_l, "clip_g": xl_g})
    return {"tinycat": {"sd15": tinycat}, "tinyxl": {"clip_l": xl_l, "clip_g": xl_g}}


def window(tok, items):
    """items: ("ids", [ids], w) or ("emb", [n, width], w) → (ids, weights, {slot: vector}) for one 77-token window."""
    ids, weights, fixes = [tok.vocab[BOS]], [1.0], {}
    for kind, value, w in items:
        if kind == "ids":
            ids += value
            weights += [w] * len(value)
        else:
            for row in value:
                fixes[len(ids)] = row
                ids.append(0)  # A1111's placeholder id; only the eos position (pooling) reads ids
                weights.append(w)
    ids.append(tok.vocab[EOS])
    weights.append(1.0)
    ids += [tok.pad_id] * (77 - len(ids))
    weights += [1.0] * (77 - len(weights))
    return torch.tensor([ids]), torch.tensor(weights), fixes


def run(model, ids, fixes):
    """(all hidden states, pooled-or-projected) with `fixes` written over the token embeddings."""
    tm = model.text_model
    tokens = tm.embeddings.token_embedding(ids).clone()
    for slot, row in fixes.items():
        tokens[0, slot] = row
    hidden = tokens + tm.embeddings.position_embedding(tm.embeddings.position_ids[:, : ids.shape[1]])
    last, states = tm.encoder(hidden, causal_mask(1, ids.shape[1], hidden.dtype))
    last = tm.final_layer_norm(last)
    pooled = last[0, ids[0].to(torch.int).argmax()]
    if hasattr(model, "text_projection"):
        pooled = model.text_projection(pooled)
    return last, states, pooled


def features(model, family, ids, fixes):
    last, states, pooled = run(model, ids, fixes)
    return (last if family == "sd15" else states[-2])[0], pooled


def a1111(z, weights):
    original = z.mean()
    z = z * weights[:, None]
    return z * (original / z.mean())


def comfy(z, z_empty, weights):
    return (z - z_empty) * weights[:, None] + z_empty


@torch.no_grad()
def build(m):
    vecs = write_files(m)
    out = {}
    cases = [("tiny-sd15", "sd15", [("sd15.text_encoder", "models/tiny-sd15/tokenizer", "sd15")], "tinycat"),
             ("tiny-sdxl", "sdxl", [("sdxl.text_encoder", "models/tiny-sdxl/tokenizer", "clip_l"),
                                    ("sdxl.text_encoder_2", "models/tiny-sdxl/tokenizer_2", "clip_g")], "tinyxl")]
    for pipeline, family, encoders, name in cases:
        parts = {"a1111": [], "comfy": []}
        for key, tok_dir, emb_key in encoders:
            tok = tokenizer(tok_dir)
            emb = vecs[name][emb_key]
            items = [("ids", ids_of(tok, "a"), 1.0), ("emb", emb, 1.2), ("ids", ids_of(tok, "cat"), 1.0)]
            ids, weights, fixes = window(tok, items)
            z, pooled = features(m[key], family, ids, fixes)
            parts["a1111"].append(a1111(z, weights) if family == "sdxl" else z)
            empty_ids, _, _ = window(tok, [])
            z_empty, _ = features(m[key], family, empty_ids, {})
            parts["comfy"].append(comfy(z, z_empty, weights))
            if key.endswith("_2"):
                out[f"{pipeline}.comfy.pooled"] = pooled.contiguous()
        for tool, zs in parts.items():
            out[f"{pipeline}.{tool}"] = torch.cat(zs, dim=-1).contiguous()
    save(REF, out)
    return sorted(out)
