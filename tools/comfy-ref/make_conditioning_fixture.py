"""Writes packages/nodes/src/sd/k-sampling/fixtures/conditioning.json: KSampler runs with ComfyUI's multi-entry
conditioning (Combine, SetArea with strength, SetTimestepRange, ZeroOut) on the toy prompt model (see README.md)."""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
from comfy_ref.cond_batch import guided, prepare, toy_entry_model  # noqa: E402
from comfy_ref.ksample import TOY, ksample  # noqa: E402
from comfy_ref.schedules import DiscreteTable  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "../../packages/nodes/src/sd/k-sampling/fixtures/conditioning.json")
torch.set_num_threads(1)

PROMPTS = {
    "A": (TOY["cond"]["m"], TOY["cond"]["bias"]),
    "N": (TOY["uncond"]["m"], TOY["uncond"]["bias"]),
    "B": ([[0.7, 0.1, -0.1, 0.0], [0.0, 1.05, 0.0, 0.1], [0.1, 0.0, 0.8, 0.0], [-0.05, 0.05, 0.0, 1.0]], [-0.04, 0.03, 0.02, -0.01]),
    "zero": ([[0.0] * 4] * 4, [0.0] * 4),
}

# Entries as the graph builds them: ConditioningSetArea takes pixels (floored to latent units, // 8),
# ConditioningSetTimestepRange fractions of the schedule.
CASES = [
    dict(name="combine", positive=[dict(prompt="A"), dict(prompt="B")], negative=[dict(prompt="N")], sampler="euler", scheduler="normal", steps=6, cfg=3.0, seed=31),
    dict(name="area with strength", positive=[dict(prompt="A"), dict(prompt="B", area=dict(width=96, height=64, x=37, y=16), strength=0.7)], negative=[dict(prompt="N")],
         sampler="dpmpp_2m", scheduler="karras", steps=6, cfg=3.5, seed=32),
    dict(name="areas only, clamped at the edge", positive=[dict(prompt="B", area=dict(width=96, height=64, x=80, y=48), strength=1.5), dict(prompt="A", area=dict(width=64, height=48, x=0, y=0))],
         negative=[dict(prompt="N")], sampler="euler_ancestral", scheduler="normal", steps=5, cfg=2.5, seed=33),
    dict(name="negative area", positive=[dict(prompt="A")], negative=[dict(prompt="N"), dict(prompt="B", area=dict(width=128, height=64, x=0, y=32), strength=0.8)],
         sampler="euler", scheduler="simple", steps=5, cfg=4.0, seed=34),
    dict(name="timestep range split", positive=[dict(prompt="A", range=[0.0, 0.5]), dict(prompt="B", range=[0.5, 1.0])], negative=[dict(prompt="N")],
         sampler="euler", scheduler="normal", steps=6, cfg=3.0, seed=35),
    dict(name="timestep range split, heun", positive=[dict(prompt="A", range=[0.0, 0.3]), dict(prompt="B", range=[0.3, 1.0])], negative=[dict(prompt="N")],
         sampler="heun", scheduler="karras", steps=4, cfg=3.0, seed=36),
    dict(name="zero-out negative", positive=[dict(prompt="A")], negative=[dict(prompt="zero")], sampler="euler", scheduler="normal", steps=6, cfg=4.0, seed=37),
    dict(name="cfg 1 skips the negative", positive=[dict(prompt="A"), dict(prompt="B", area=dict(width=64, height=64, x=32, y=24), strength=2.0)], negative=[dict(prompt="N")],
         sampler="dpmpp_2m", scheduler="normal", steps=5, cfg=1.0, seed=38),
]


def entry(e):
    out = {"prompt": PROMPTS[e["prompt"]]}
    if "area" in e:
        a = e["area"]
        out["area"] = (a["height"] // 8, a["width"] // 8, a["y"] // 8, a["x"] // 8)
    if "strength" in e:
        out["strength"] = e["strength"]
    if "range" in e:
        out["start_percent"], out["end_percent"] = e["range"]
    return out


def main():
    table = DiscreteTable()
    shape = [2, 4, 12, 16]
    start = torch.randn(shape, generator=torch.Generator().manual_seed(77)) * 0.5
    model = toy_entry_model(table)
    cases = []
    for case in CASES:
        positive, negative = prepare(table, [entry(e) for e in case["positive"]], [entry(e) for e in case["negative"]])
        denoise = guided(model, positive, negative, case["cfg"])
        out, _ = ksample(table, case["sampler"], case["scheduler"], case["steps"], case["cfg"], case["seed"], start, denoise=0.9, model=denoise)
        cases.append(dict(case, final=[float("%.9g" % v) for v in out.flatten().tolist()]))
    prompts = {k: [v for row in m for v in row] + list(b) for k, (m, b) in PROMPTS.items()}
    with open(OUT, "w") as f:
        json.dump(dict(shape=shape, start=[float("%.9g" % v) for v in start.flatten().tolist()], denoise=0.9, prompts=prompts, cases=cases), f, separators=(",", ":"))
        f.write("\n")
    print("wrote", OUT)


main()
