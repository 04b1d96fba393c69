"""Writes packages/nodes/src/sd/rng/fixtures/sleef-f32.json: torch's own float32 exp and log (CPU, SLEEF) of
seeded inputs over the ranges the samplers use, for the bit-exact test of rng/sleef-f32.ts."""
import json
import os

import torch

OUT = os.path.join(os.path.dirname(__file__), "../../packages/nodes/src/sd/rng/fixtures")
g = torch.Generator().manual_seed(1)
exp_in = torch.cat([torch.empty(1500).uniform_(-12, 12, generator=g), torch.empty(500).uniform_(-0.5, 0.5, generator=g)])
log_in = torch.cat([torch.exp(torch.empty(1500).uniform_(-12, 8, generator=g)), torch.empty(500).uniform_(0.5, 2.0, generator=g)])
os.makedirs(OUT, exist_ok=True)
with open(os.path.join(OUT, "sleef-f32.json"), "w") as f:
    json.dump(dict(torch=torch.__version__, exp_in=exp_in.tolist(), exp_out=exp_in.exp().tolist(),
                   log_in=log_in.tolist(), log_out=log_in.log().tolist()), f, separators=(",", ":"))
    f.write("\n")
print("wrote sleef-f32.json")
