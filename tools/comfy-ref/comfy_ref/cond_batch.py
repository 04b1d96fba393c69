"""ComfyUI's multi-entry conditioning at sampling time, re-derived in torch float32 from reading ComfyUI
comfy/samplers.py (process_conds: calculate_start_end_timesteps, create_cond_with_same_area_if_none;
sampling_function, calc_cond_batch, get_area_and_mult, cfg_function) and comfy/model_sampling.py
(ModelSamplingDiscrete.percent_to_sigma). ComfyUI's code is not imported or copied.

An entry is a dict: "prompt" (what the toy model reads instead of text-encoder states), optional "area"
(h, w, y, x in latent units, as nodes.py ConditioningSetArea stores it), "strength", "start_percent",
"end_percent". Every model call sees one entry on its (cropped) input; ComfyUI batches compatible entries
into one call, which changes nothing numerically, so this reference runs them one by one. A model is called as
`model(crop, sigma, prompt, area)` (area None = the whole latent) and returns the crop's denoised estimate."""
import math

import torch


def percent_to_sigma(table, percent):
    """0 → above every σ, 1 → 0; between, the table's σ at timestep (1 − percent)·999 (float32)."""
    if percent <= 0.0:
        return 999999999.9
    if percent >= 1.0:
        return 0.0
    return float(table.sigma(torch.tensor((1.0 - percent) * 999.0)))


def _inside(inner, outer):
    """Area `inner` (h, w, y, x) lies within `outer`."""
    return inner[2] >= outer[2] and inner[3] >= outer[3] and inner[0] + inner[2] <= outer[0] + outer[2] and inner[1] + inner[3] <= outer[1] + outer[3]


def _add_same_area(side, c):
    """An area entry on one side gets a twin on the other: its area, strength and range, with the prompt of
    the smallest entry there that covers it (an entry without area covers everything)."""
    if "area" not in c:
        return
    smallest = None
    for x in side:
        if "area" in x:
            if _inside(c["area"], x["area"]):
                if smallest is None or "area" not in smallest or smallest["area"][0] * smallest["area"][1] > x["area"][0] * x["area"][1]:
                    smallest = x
        elif smallest is None:
            smallest = x
    if smallest is None or smallest.get("area") == c["area"]:
        return
    twin = dict(c)
    twin["prompt"] = smallest["prompt"]
    side.append(twin)


def prepare(table, positive, negative):
    """Sigma bounds from the percents, then the twin areas (positive's into negative first, as ComfyUI orders it)."""
    sides = []
    for side in (positive, negative):
        out = []
        for c in side:
            c = dict(c)
            if "start_percent" in c:
                c["sigma_start"] = percent_to_sigma(table, c["start_percent"])
            if "end_percent" in c:
                c["sigma_end"] = percent_to_sigma(table, c["end_percent"])
            out.append(c)
        sides.append(out)
    pos, neg = sides
    for c in list(pos):
        _add_same_area(neg, c)
    for c in list(neg):
        _add_same_area(pos, c)
    return pos, neg


def area_and_mult(c, x, sigma):
    """None when σ is outside the entry's range; else the crop and its weights (strength, feathered edges)."""
    if "sigma_start" in c and float(sigma) > c["sigma_start"]:
        return None
    if "sigma_end" in c and float(sigma) < c["sigma_end"]:
        return None
    h, w = x.shape[2], x.shape[3]
    area = None
    crop = x
    if "area" in c:
        ah, aw, y0, x0 = c["area"]
        ah, aw = min(h - y0, ah), min(w - x0, aw)
        area = (ah, aw, y0, x0)
        crop = x[:, :, y0:y0 + ah, x0:x0 + aw]
    mult = torch.ones_like(crop) * c.get("strength", 1.0)
    if area is not None:
        ah, aw, y0, x0 = area
        for dim, size, offset, full in ((2, ah, y0, h), (3, aw, x0, w)):
            rr = min(8, mult.shape[dim] // 4)
            if offset != 0:
                for t in range(rr):
                    mult.narrow(dim, t, 1).mul_((1.0 / rr) * (t + 1))
            if size + offset < full:
                for t in range(rr):
                    mult.narrow(dim, size - 1 - t, 1).mul_((1.0 / rr) * (t + 1))
    return crop, mult, area


def calc_side(model, side, x, sigma):
    """Σ(denoised·mult) / Σ(mult) over the entries that apply now, 0 where none does."""
    out = torch.zeros_like(x)
    count = torch.ones_like(x) * 1e-37
    for c in side:
        p = area_and_mult(c, x, sigma)
        if p is None:
            continue
        crop, mult, area = p
        denoised = model(crop, sigma, c["prompt"], area)
        if area is None:
            out += denoised * mult
            count += mult
        else:
            ah, aw, y0, x0 = area
            out[:, :, y0:y0 + ah, x0:x0 + aw] += denoised * mult
            count[:, :, y0:y0 + ah, x0:x0 + aw] += mult
    return out / count


def guided(model, positive, negative, cfg):
    """sampling_function: cfg ≈ 1 drops the negative (its average is then 0), then CFG on the denoised outputs."""
    def denoise(x, sigma):
        cond = calc_side(model, positive, x, sigma)
        uncond = torch.zeros_like(x) if math.isclose(cfg, 1.0) else calc_side(model, negative, x, sigma)
        return uncond + (cond - uncond) * cfg

    return denoise


def toy_entry_model(table):
    """A toy eps-UNet whose prompt is (M, bias): eps = scale(t)·M x_c + bias·t/1000 + 0.1·mean_hw(x_c).
    The mean over the (cropped) input makes what the model sees of an area visible in its output."""
    def model(x, sigma, prompt, area):
        m, bias = torch.tensor(prompt[0]), torch.tensor(prompt[1])
        xc = x / (sigma ** 2 + 1.0) ** 0.5
        t = table.timestep(sigma.reshape(1)).float()
        scale = 0.95 + 0.05 * torch.cos(t / 150.0)
        eps = torch.einsum("oc,bchw->bohw", m, xc) * scale + bias[None, :, None, None] * (t / 1000.0) + 0.1 * xc.mean(dim=(2, 3), keepdim=True)
        return x - eps * sigma

    return model
