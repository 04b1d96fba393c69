"""Writes the committed fixtures of packages/nodes/src/sd/k-sampling/fixtures/ (see README.md)."""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
from comfy_ref.brownian_tree import brownian_tree_noise_sampler  # noqa: E402
from comfy_ref.ksample import ksample  # noqa: E402
from comfy_ref.samplers import SAMPLERS  # noqa: E402
from comfy_ref.schedules import SCHEDULERS, DiscreteTable, ksampler_sigmas  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "../../packages/nodes/src/sd/k-sampling/fixtures")
torch.set_num_threads(1)

MODELS = {
    # SD1.5 and SDXL ship the same betas; "linear" is diffusers' plain linspace, for the table code path.
    "sd15": dict(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear"),
    "sdxl": dict(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear"),
    "linear": dict(beta_start=0.0001, beta_end=0.02, beta_schedule="linear"),
}


def floats(t):
    return [float("%.9g" % v) for v in t.flatten().tolist()]


def sigma_fixture():
    cases = []
    for model, cfg in MODELS.items():
        table = DiscreteTable(**cfg)
        for scheduler in SCHEDULERS:
            for sampler, steps, denoise in [("euler", 1, 1.0), ("euler", 10, 1.0), ("euler", 30, 1.0), ("dpm_2", 10, 1.0), ("euler", 12, 0.55)]:
                s = ksampler_sigmas(table, scheduler, sampler, steps, denoise)
                cases.append(dict(model=model, scheduler=scheduler, sampler=sampler, steps=steps, denoise=denoise, sigmas=floats(s)))
        for adv in [dict(start_step=3, last_step=7, force_full_denoise=False), dict(start_step=3, last_step=7, force_full_denoise=True), dict(start_step=12, last_step=10000, force_full_denoise=True)]:
            s = ksampler_sigmas(table, "karras", "euler", 12, 1.0, **adv)
            cases.append(dict(model=model, scheduler="karras", sampler="euler", steps=12, denoise=1.0, **adv, sigmas=None if s is None else floats(s)))
    table = DiscreteTable(**MODELS["sd15"])
    return dict(table=dict(sd15=floats(table.sigmas), linear=floats(DiscreteTable(**MODELS["linear"]).sigmas)), cases=cases)


def latent_input(shape, seed):
    return torch.randn(shape, generator=torch.Generator().manual_seed(seed)) * 0.5


def loop_fixture():
    table = DiscreteTable(**MODELS["sd15"])
    shape = [2, 4, 3, 3]
    zeros = torch.zeros(shape)
    start = latent_input(shape, 99)
    cases = []
    for sampler in SAMPLERS:
        for scheduler in SCHEDULERS:
            out, _ = ksample(table, sampler, scheduler, 6, 2.5, 1234, zeros)
            cases.append(dict(sampler=sampler, scheduler=scheduler, steps=6, cfg=2.5, seed=1234, latent="zeros", final=floats(out)))
    mask = torch.zeros([1, 1, 3, 3])
    mask[..., 1:, :2] = 1.0
    extra = [
        dict(sampler="euler", scheduler="normal", steps=7, cfg=2.0, seed=7, latent="start", denoise=0.6),
        dict(sampler="dpmpp_2m", scheduler="karras", steps=9, cfg=1.0, seed=8, latent="start", denoise=0.45),
        dict(sampler="euler_ancestral", scheduler="normal", steps=6, cfg=3.0, seed=5, latent="zeros", batch_index=[3, 1]),
        dict(sampler="euler_ancestral", scheduler="karras", steps=8, cfg=3.0, seed=11, latent="start", mask=True),
        dict(sampler="ddim", scheduler="ddim_uniform", steps=8, cfg=3.0, seed=12, latent="start", mask=True, denoise=0.8),
        dict(sampler="dpmpp_2m_sde", scheduler="exponential", steps=10, cfg=3.0, seed=13, latent="start", start_step=0, last_step=6, force_full_denoise=False),
        dict(sampler="dpmpp_2m_sde", scheduler="exponential", steps=10, cfg=3.0, seed=13, latent="start", add_noise=False, start_step=6, last_step=10000, force_full_denoise=True, chain=True),
        dict(sampler="euler", scheduler="normal", steps=8, cfg=4.0, seed=21, latent="zeros", prediction="v_prediction"),
        dict(sampler="uni_pc", scheduler="normal", steps=3, cfg=3.0, seed=3, latent="zeros"),
        dict(sampler="uni_pc", scheduler="simple", steps=12, cfg=3.0, seed=4, latent="zeros"),
    ]
    previous = None
    for case in extra:
        latent = start if case["latent"] == "start" else zeros
        if case.get("chain"):
            latent = previous  # KSamplerAdvanced's leftover-noise hand-over to a second KSamplerAdvanced
        kwargs = {k: case[k] for k in ("denoise", "batch_index", "add_noise", "start_step", "last_step", "force_full_denoise", "prediction") if k in case}
        out, _ = ksample(table, case["sampler"], case["scheduler"], case["steps"], case["cfg"], case["seed"], latent, mask=mask if case.get("mask") else None, **kwargs)
        previous = out
        cases.append(dict(case, final=floats(out)))
    return dict(shape=shape, start=floats(start), mask=floats(mask), cases=cases)


def brownian_fixture():
    """numpy SeedSequence words, and the SDE samplers' noise for dpmpp_sde-style overlapping queries."""
    import numpy as np
    seeds = []
    for entropy, key in [(5, []), (1234, [0, 0]), (2 ** 40 + 7, [3, 2]), (2 ** 64 - 1, [12345, 24]), (0, [1, 1])]:
        words = np.random.SeedSequence(entropy=entropy, spawn_key=tuple(key), pool_size=24).generate_state(4)
        seeds.append(dict(entropy=str(entropy), spawn_key=key, words=[int(w) for w in words]))
    table = DiscreteTable(**MODELS["sd15"])
    sigmas = ksampler_sigmas(table, "karras", "dpmpp_sde", 5)
    shape = [1, 4, 2, 3]
    sample = brownian_tree_noise_sampler(torch.zeros(shape), sigmas, 2024)
    queries = [(float(sigmas[i]), float(sigmas[i + 1])) for i in range(len(sigmas) - 2)]
    queries += [(float(sigmas[1]), float(torch.tensor(float(sigmas[1]) * 0.6))), (float(sigmas[3]), float(sigmas[0]))]
    noise = [dict(sigma=a, sigma_next=b, noise=floats(sample(torch.tensor(a), torch.tensor(b)))) for a, b in queries]
    return dict(seed_sequence=seeds, sigmas=floats(sigmas), shape=shape, seed=2024, noise=noise)


os.makedirs(OUT, exist_ok=True)
for name, make in (("sigmas", sigma_fixture), ("loops", loop_fixture), ("brownian", brownian_fixture)):
    with open(os.path.join(OUT, f"{name}.json"), "w") as f:
        json.dump(make(), f, separators=(",", ":"))
        f.write("\n")
    print("wrote", name)
