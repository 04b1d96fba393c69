"""ComfyUI's prompt weighting (comfy/sd1_clip.py), re-derived: `(text)` ×1.1, `(text:w)` sets w, only `\\(` `\\)`
escapes, word-wise tokenisation into 77-token windows (a word of 8+ tokens may split, shorter words move whole to
the next window), and per-token interpolation against the empty prompt's encoding: z = (z − z_empty)·w + z_empty."""
import re

FLOAT = re.compile(r"^[+-]?((\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|inf(inity)?|nan)$", re.IGNORECASE)


def split_top_level(text):
    out, cur, depth = [], "", 0
    for ch in text:
        if ch == "(":
            if depth == 0:
                if cur:
                    out.append(cur)
                cur = "("
            else:
                cur += ch
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                out.append(cur + ")")
                cur = ""
            else:
                cur += ch
        else:
            cur += ch
    if cur:
        out.append(cur)
    return out


def weighted_segments(text, weight=1.0):
    out = []
    for part in split_top_level(text):
        if len(part) >= 2 and part[0] == "(" and part[-1] == ")":
            inner = part[1:-1]
            w = weight * 1.1
            colon = inner.rfind(":")
            if colon > 0 and FLOAT.match(inner[colon + 1:].strip()):
                w = float(inner[colon + 1:])
                inner = inner[:colon]
            out += weighted_segments(inner, w)
        else:
            out.append((part, weight))
    return out


def tokenize_with_weights(text, vocab, encode_word, bos, eos, pad, max_length=77):
    text = text.replace("\\)", "\0\1").replace("\\(", "\0\2")
    groups = []
    for segment, weight in weighted_segments(text):
        segment = segment.replace("\0\1", ")").replace("\0\2", "(").replace("\n", " ")
        for word in [w for w in segment.split(" ") if w != ""]:
            ids = [vocab[word + "</w>"]] if word + "</w>" in vocab else encode_word(word)
            groups.append([(t, weight) for t in ids])
    windows, batch = [], [(bos, 1.0)]
    windows.append(batch)
    for group in groups:
        large = len(group) >= 8
        while group:
            if len(group) + len(batch) > max_length - 1:
                remaining = max_length - len(batch) - 1
                if large:
                    batch.extend(group[:remaining])
                    batch.append((eos, 1.0))
                    group = group[remaining:]
                else:
                    batch.append((eos, 1.0))
                    batch.extend([(pad, 1.0)] * remaining)
                batch = [(bos, 1.0)]
                windows.append(batch)
            else:
                batch.extend(group)
                group = []
    batch.append((eos, 1.0))
    batch.extend([(pad, 1.0)] * (max_length - len(batch)))
    return windows


def encode_token_weights(encode, windows, bos, eos, pad):
    """`encode(list of id lists) -> (hidden [n, 77, d], pooled [n, p] or None)`; returns ([1, 77·n, d], pooled[0:1])."""
    import torch
    has_weights = any(w != 1.0 for window in windows for _, w in window)
    batch = [[t for t, _ in window] for window in windows]
    if has_weights:
        batch.append([bos, eos] + [pad] * (len(batch[0]) - 2))
    out, pooled = encode(batch)
    parts = []
    for k, window in enumerate(windows):
        z = out[k].clone()
        if has_weights:
            empty = out[-1]
            for j, (_, w) in enumerate(window):
                if w != 1.0:
                    z[j] = (z[j] - empty[j]) * w + empty[j]
        parts.append(z)
    return torch.cat(parts, dim=0)[None], None if pooled is None else pooled[0:1]
