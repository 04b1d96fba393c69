"""Stage `from-onnx`: the committed `models/loom-tiny` read back into the torch replicas, as the
finished `unet` and `vae-edges` checkpoints, so the LoRA stages (which need the base UNet, text encoder
and VAE in torch) run on a clone without `work/` (gitignored; the training session's checkpoints are
not committed).

torch.onnx.export (opset 17, constant folding; layouts.py) keeps most parameters under their state-dict
names. The rest are initializers named after their consumer (`onnx::MatMul_123`, `onnx::Mul_…`,
`onnx::Add_…`); the consuming node's name carries the module scope (`/down_blocks.0/resnets.0/norm1/Mul`):
- a bias-free nn.Linear exports as MatMul with its weight transposed (x @ Wᵀ);
- nn.GroupNorm exports as InstanceNormalization with unit scale, then Mul by its weight and Add of its
  bias, both shaped (C, 1, 1).
Check: every state-dict entry is filled exactly once, with its shape, and re-exporting the loaded
models with the same exporters gives the committed initializers bit for bit (`verify`)."""
import hashlib
import json
import tempfile
from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import numpy_helper

from loom_tiny_sd import layouts

from . import checkpoint, train_unet, train_vae
from .paths import MODEL_DIR, WORK


def _module_of(node_name):
    """`/down_blocks.0/resnets.0/norm1/Mul` -> `down_blocks.0.resnets.0.norm1`."""
    return ".".join(node_name.strip("/").split("/")[:-1])


def state_from_onnx(model, files):
    """The model's state dict from one or more ONNX files exported from it (the VAE: encoder + decoder)."""
    wanted = model.state_dict()
    state = {}
    for file in files:
        graph = onnx.load(str(file)).graph
        inits = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
        for name, value in inits.items():
            if name in wanted:
                state[name] = value
        for node in graph.node:
            for name in node.input:
                if name not in inits or name in wanted:
                    continue
                module, value = _module_of(node.name), inits[name]
                if node.op_type == "MatMul":
                    key, value = f"{module}.weight", value.T
                elif node.op_type == "Mul":
                    key, value = f"{module}.weight", value.reshape(-1)
                elif node.op_type == "Add":
                    key, value = f"{module}.bias", value.reshape(-1)
                else:
                    raise SystemExit(f"{file}: initializer {name} feeds {node.op_type} {node.name}; no rule maps it")
                if key not in wanted:
                    raise SystemExit(f"{file}: {name} ({node.name}) maps to {key}, which the replica does not have")
                state[key] = value
    missing = [k for k in wanted if k not in state]
    if missing:
        raise SystemExit(f"{', '.join(str(f) for f in files)}: no initializer for {len(missing)} parameters, e.g. {missing[:3]}")
    wrong = [k for k, v in state.items() if tuple(v.shape) != tuple(wanted[k].shape)]
    if wrong:
        raise SystemExit(f"shape mismatch for {wrong[:3]}")
    return {k: torch.from_numpy(np.ascontiguousarray(v)).to(wanted[k].dtype) for k, v in state.items()}


def load():
    """(unet, text_encoder, vae) with the committed weights, in eval mode."""
    unet, text = train_unet.build_models()
    vae = train_vae.build_model()
    unet.load_state_dict(state_from_onnx(unet, [MODEL_DIR / "unet" / "model.onnx"]))
    text.load_state_dict(state_from_onnx(text, [MODEL_DIR / "text_encoder" / "model.onnx"]))
    vae.load_state_dict(state_from_onnx(vae, [MODEL_DIR / "vae_encoder" / "model.onnx", MODEL_DIR / "vae_decoder" / "model.onnx"]))
    return unet.eval(), text.eval(), vae.eval()


def _digests(file):
    return sorted(hashlib.sha256(numpy_helper.to_array(i).tobytes()).hexdigest() for i in onnx.load(str(file)).graph.initializer)


def verify(unet, text, vae):
    """Re-exports the loaded models and compares every initializer with the committed files."""
    torch.manual_seed(0)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        layouts.optimum_unet(unet, out / "unet", scalar_timestep=False)
        layouts.optimum_text_encoder(text, out / "text_encoder", hidden_states=False)
        layouts.optimum_vae_encoder(vae, out / "vae_encoder")
        layouts.optimum_vae_decoder(vae, out / "vae_decoder")
        for part in ("unet", "text_encoder", "vae_encoder", "vae_decoder"):
            same = _digests(out / part / "model.onnx") == _digests(MODEL_DIR / part / "model.onnx")
            print(f"[from-onnx] {part}: re-exported initializers {'identical' if same else 'DIFFER'}")
            if not same:
                raise SystemExit(f"[from-onnx] {part}: the loaded weights do not re-export to the committed model")


def committed_merges():
    """The merges of models/loom-tiny/tokenizer/merges.txt (after its `#version` line)."""
    lines = (MODEL_DIR / "tokenizer" / "merges.txt").read_text(encoding="utf-8").splitlines()
    return [line.split(" ") for line in lines if line and not line.startswith("#version")]


def write_merges():
    """The committed tokenizer's merges as work/merges.json (stage `tokenizer`'s file): retraining the
    BPE on today's corpus (prompts.json has grown since) orders the merges differently, and a LoRA
    trained on those ids would not match the ids Loom feeds the committed text encoder."""
    merges = committed_merges()
    WORK.mkdir(parents=True, exist_ok=True)
    (WORK / "merges.json").write_text(json.dumps(merges))
    print(f"[from-onnx] wrote work/merges.json from models/loom-tiny/tokenizer ({len(merges)} merges)")


def run():
    write_merges()
    if checkpoint.path("unet", done=True).exists() or checkpoint.path("vae-edges", done=True).exists():
        print("[from-onnx] work/ already holds trained checkpoints; nothing to do")
        return
    unet, text, vae = load()
    verify(unet, text, vae)
    checkpoint.save_done("unet", {"ema_unet": unet.state_dict(), "ema_text": text.state_dict()})
    checkpoint.save_done("vae-edges", {"vae": vae.state_dict()})
    print("[from-onnx] wrote work/unet.done.pt and work/vae-edges.done.pt from models/loom-tiny")
