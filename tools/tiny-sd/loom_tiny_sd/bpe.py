"""A small CLIP-style byte-level BPE: trainer, encoder and the real vocab.json / merges.txt layout.

Layout (openai/CLIP `simple_tokenizer.py`, transformers `tokenization_clip.py`):
ids 0..255 are the `bytes_to_unicode()` characters, 256..511 the same with `</w>`, then one entry per
merge (the concatenated pair), then `<|startoftext|>` and `<|endoftext|>` as the last two ids.
merges.txt starts with `#version: 0.2`. vocab.json is written like transformers' `save_vocabulary`
(indent 2, sorted keys, UTF-8).
"""
import json
import re
from collections import Counter

BOS, EOS = "<|startoftext|>", "<|endoftext|>"

# CLIP's pattern uses \p{L} / \p{N}; for Python's `re` letters are [^\W\d_] and numbers \d. Identical
# on the ASCII corpus used here; the TypeScript tokenizer uses the real \p{} classes.
PAT = re.compile(r"<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[^\W\d_]+|\d|(?:[^\s\w]|_)+",
                 re.IGNORECASE)


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


BYTE_ENCODER = bytes_to_unicode()


def words_of(text):
    """Normalised (whitespace-collapsed, lower-cased) text split by the CLIP pattern, byte-encoded."""
    text = re.sub(r"\s+", " ", text).strip().lower()
    return ["".join(BYTE_ENCODER[b] for b in tok.encode("utf-8")) for tok in PAT.findall(text)]


def symbols(word):
    return tuple(word[:-1]) + (word[-1] + "</w>",)


def train(corpus, vocab_size):
    """Greedy BPE: repeatedly merge the most frequent adjacent pair (ties: lexicographically smallest)."""
    counts = Counter(symbols(w) for text in corpus for w in words_of(text))
    merges = []
    n_merges = vocab_size - 512 - 2
    while len(merges) < n_merges:
        pairs = Counter()
        for word, c in counts.items():
            for pair in zip(word, word[1:]):
                pairs[pair] += c
        if not pairs:
            break
        best = min(pairs.items(), key=lambda kv: (-kv[1], kv[0]))[0]
        merges.append(best)
        merged = Counter()
        for word, c in counts.items():
            out, i = [], 0
            while i < len(word):
                if i < len(word) - 1 and (word[i], word[i + 1]) == best:
                    out.append(word[i] + word[i + 1])
                    i += 2
                else:
                    out.append(word[i])
                    i += 1
            merged[tuple(out)] += c
        counts = merged
    return merges


def build_vocab(merges):
    base = list(BYTE_ENCODER.values())
    tokens = base + [t + "</w>" for t in base] + ["".join(m) for m in merges] + [BOS, EOS]
    return {t: i for i, t in enumerate(tokens)}


class Tokenizer:
    """CLIPTokenizer.__call__(text, padding="max_length", max_length=77, truncation=True) equivalent."""

    def __init__(self, vocab, merges, pad_token=EOS, max_length=77):
        self.vocab = vocab
        self.ranks = {m: i for i, m in enumerate(merges)}
        self.pad_id = vocab[pad_token]
        self.max_length = max_length

    def bpe(self, word):
        parts = list(symbols(word))
        while len(parts) > 1:
            ranked = [(self.ranks.get(p, 1 << 30), i) for i, p in enumerate(zip(parts, parts[1:]))]
            rank, i = min(ranked)
            if rank == 1 << 30:
                break
            first, second = parts[i], parts[i + 1]
            out, j = [], 0
            while j < len(parts):  # merge every occurrence of the pair, left to right
                if j < len(parts) - 1 and parts[j] == first and parts[j + 1] == second:
                    out.append(first + second)
                    j += 2
                else:
                    out.append(parts[j])
                    j += 1
            parts = out
        return parts

    def __call__(self, text):
        ids = [self.vocab[t] for w in words_of(text) for t in self.bpe(w)]
        ids = [self.vocab[BOS]] + ids[: self.max_length - 2] + [self.vocab[EOS]]
        return ids + [self.pad_id] * (self.max_length - len(ids))


def write(dirpath, merges, pad_token, name_or_path):
    """Writes vocab.json, merges.txt, tokenizer_config.json, special_tokens_map.json as transformers does."""
    dirpath.mkdir(parents=True, exist_ok=True)
    vocab = build_vocab(merges)
    (dirpath / "vocab.json").write_text(json.dumps(vocab, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
                                        encoding="utf-8")
    (dirpath / "merges.txt").write_text("#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in merges),
                                        encoding="utf-8")

    def added(content):
        return {"content": content, "lstrip": False, "normalized": True, "rstrip": False, "single_word": False}

    special = {"bos_token": added(BOS), "eos_token": added(EOS), "pad_token": pad_token, "unk_token": added(EOS)}
    config = {
        "add_prefix_space": False,
        "bos_token": {"__type": "AddedToken", **added(BOS)},
        "clean_up_tokenization_spaces": True,
        "do_lower_case": True,
        "eos_token": {"__type": "AddedToken", **added(EOS)},
        "errors": "replace",
        "model_max_length": 77,
        "name_or_path": name_or_path,
        "pad_token": pad_token,
        "tokenizer_class": "CLIPTokenizer",
        "unk_token": {"__type": "AddedToken", **added(EOS)},
    }
    (dirpath / "special_tokens_map.json").write_text(json.dumps(special, indent=2) + "\n")
    (dirpath / "tokenizer_config.json").write_text(json.dumps(config, indent=2) + "\n")
    return vocab
