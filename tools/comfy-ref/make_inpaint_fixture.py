"""Writes packages/nodes/src/sd/k-sampling/fixtures/inpaint-model.json: KSampler runs through the tiny 9-channel
inpainting UNet of test/fixtures/checkpoints/tiny-sd15-inpainting.safetensors (the seeded torch replica of
tools/tiny-sd, its weights rounded to F16 as the file stores them), with ComfyUI's inpainting-model conditioning
re-derived from reading comfy/model_base.py (`BaseModel.concat_cond`, `set_inpaint`'s concat keys ("mask",
"masked_image") and `blank_inpaint_image_like`, `_apply_model`'s `cat([x·c_in, c_concat])`) and comfy/conds.py
(`CONDNoiseShape.process_cond`: the concat is cropped to an entry's area)."""
import json
import os
import sys

import torch

HERE = os.path.dirname(__file__)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "../tiny-sd"))
from comfy_ref.cond_batch import guided, prepare  # noqa: E402
from comfy_ref.ksample import ksample  # noqa: E402
from comfy_ref.schedules import DiscreteTable  # noqa: E402
from loom_tiny_sd import models  # noqa: E402

OUT = os.path.join(HERE, "../../packages/nodes/src/sd/k-sampling/fixtures/inpaint-model.json")
torch.set_num_threads(1)

# "zero" in pixel space as SD1.x latents (model_base.py set_inpaint's blank image), per channel
BLANK = [0.8223, -0.6876, 0.6364, 0.1380]


def concat_cond(latent, mask):
    """[mask rounded to 0/1, masked image latent], or [ones, blank] when the latent has no noise mask."""
    if mask is None:
        blank = torch.ones_like(latent) * torch.tensor(BLANK)[None, :, None, None]
        return torch.cat([torch.ones_like(latent)[:, :1], blank], dim=1)
    return torch.cat([mask[:, :1].round(), latent], dim=1)


def inpaint_model(table, unet, concat):
    def model(x, sigma, prompt, area):
        c = concat
        if area is not None:
            ah, aw, y0, x0 = area
            c = c[:, :, y0:y0 + ah, x0:x0 + aw]
        xc = x / (sigma ** 2 + 1.0) ** 0.5
        t = table.timestep(sigma.reshape(1)).float()
        eps = unet(torch.cat([xc, c], dim=1), t, prompt.expand(x.shape[0], -1, -1))[0]
        return x - eps * sigma

    return model


def main():
    unet = models.build_all()["sd15-inpaint.unet"]
    unet.load_state_dict({k: v.half().float() for k, v in unet.state_dict().items()})
    table = DiscreteTable()
    g = torch.Generator().manual_seed(505)
    prompts = {k: torch.randn([1, 8, 32], generator=g) for k in ("A", "B", "N")}
    shape = [1, 4, 8, 8]
    start = torch.randn(shape, generator=g) * 0.5
    mask = torch.zeros([1, 1, 8, 8])
    mask[..., 2:6, 1:6] = 1.0
    mask[..., 2:6, 6] = 0.5  # round() sends exact halves to even (0) in the concat; the sampler blends by 0.5
    mask[..., 1, 1:6] = 0.7
    mask[..., 6, 1:6] = 0.3
    cases = [
        dict(name="masked", positive=[dict(prompt="A")], latent="start", mask=True, sampler="euler", scheduler="normal", steps=5, cfg=4.0, seed=41),
        dict(name="no noise mask", positive=[dict(prompt="A")], latent="zeros", mask=False, sampler="dpmpp_2m", scheduler="karras", steps=5, cfg=3.0, seed=42),
        dict(name="area entry", positive=[dict(prompt="A"), dict(prompt="B", area=[4, 4, 2, 4], strength=1.2)], latent="start", mask=True,
             sampler="euler_ancestral", scheduler="normal", steps=4, cfg=4.0, seed=43),
    ]
    out_cases = []
    with torch.no_grad():
        for case in cases:
            latent = start if case["latent"] == "start" else torch.zeros(shape)
            m = mask if case["mask"] else None
            entries = [dict(prompt=prompts[e["prompt"]], **({"area": tuple(e["area"]), "strength": e["strength"]} if "area" in e else {})) for e in case["positive"]]
            positive, negative = prepare(table, entries, [dict(prompt=prompts["N"])])
            model = inpaint_model(table, unet, concat_cond(latent, m))
            final, _ = ksample(table, case["sampler"], case["scheduler"], case["steps"], case["cfg"], case["seed"], latent, mask=m, model=guided(model, positive, negative, case["cfg"]))
            out_cases.append(dict(case, final=[float("%.9g" % v) for v in final.flatten().tolist()]))
    flat = lambda t: [float("%.9g" % v) for v in t.flatten().tolist()]  # noqa: E731
    with open(OUT, "w") as f:
        json.dump(dict(shape=shape, start=flat(start), mask=flat(mask), prompts={k: flat(v) for k, v in prompts.items()}, tokens=8, cases=out_cases), f, separators=(",", ":"))
        f.write("\n")
    print("wrote", OUT)


main()
