"""Torch references for Loom's ComfyUI core-node re-implementations (issue 17).

Re-derived from reading ComfyUI's nodes.py / comfy_extras (ConditioningAverage, ConditioningConcat,
VAEEncodeForInpaint, ImagePadForOutpaint, ImageBatch, LatentUpscaleBy, ImageCrop, sampler_helpers
prepare_mask) and written here in our own words, CPU torch only. Inputs are closed-form so the tests can
rebuild them: value(i) = 0.5 + 0.5 * sin(0.37 * i + phase).

Run: /usr/bin/python3 tools/comfy-ops/reference.py  (writes packages/nodes/src/sd/image-ops/comfy-ops.reference.json)
"""
import json
import math
import os

import torch
import torch.nn.functional as F


def wave(n, phase=0.0):
    return torch.tensor([0.5 + 0.5 * math.sin(0.37 * i + phase) for i in range(n)], dtype=torch.float32)


def flat(t):
    return [round(float(v), 7) for v in t.reshape(-1).tolist()]


out = {}

# ConditioningAverage: to [1,5,3] and from [1,3,3] (shorter: zero-padded), strength 0.3, pooled [1,4].
to = wave(15).reshape(1, 5, 3)
frm = wave(9, 1.0).reshape(1, 3, 3)
s = 0.3
frm_padded = torch.cat([frm, torch.zeros(1, 2, 3)], dim=1)
pto, pfrom = wave(4, 2.0).reshape(1, 4), wave(4, 3.0).reshape(1, 4)
out["average"] = {"strength": s, "embeds": flat(to * s + frm_padded * (1 - s)), "pooled": flat(pto * s + pfrom * (1 - s))}
# from longer than to: cut.
long_from = wave(21, 1.0).reshape(1, 7, 3)
out["averageCut"] = {"embeds": flat(to * s + long_from[:, :5] * (1 - s))}
out["concat"] = {"embeds": flat(torch.cat((to, frm), 1))}

# VAEEncodeForInpaint on a 13x18 image (cropped to 8x16), mask 7x9 (bilinear-resized first), grow 6 and 3.
H, W = 13, 18
pixels = wave(H * W * 3).reshape(1, H, W, 3)
mask_src = (wave(7 * 9, 0.5) ** 4).reshape(1, 7, 9)  # sparse: about a quarter rounds to 1
out["maskInput"] = [float(v) for v in mask_src.reshape(-1).tolist()]  # exact float32 values
for grow in (0, 3, 6):
    x, y = (H // 8) * 8, (W // 8) * 8
    mask = F.interpolate(mask_src.reshape(-1, 1, 7, 9), size=(H, W), mode="bilinear")
    p = pixels.clone()
    xo, yo = (H % 8) // 2, (W % 8) // 2
    p = p[:, xo:x + xo, yo:y + yo, :]
    mask = mask[:, :, xo:x + xo, yo:y + yo]
    if grow == 0:
        eroded = mask
    else:
        kernel = torch.ones((1, 1, grow, grow))
        pad = math.ceil((grow - 1) / 2)
        eroded = torch.clamp(F.conv2d(mask.round(), kernel, padding=pad), 0, 1)
    keep = (1.0 - mask.round()).squeeze(1)
    p = p.clone()
    for c in range(3):
        p[:, :, :, c] = (p[:, :, :, c] - 0.5) * keep + 0.5
    out[f"inpaint{grow}"] = {"pixels": flat(p), "noiseMask": flat(eroded[:, :, :x, :y].round()), "shape": list(p.shape)}

# The sampler's noise mask: bilinear to the latent size (here 2x3), repeated to batch 3.
nm = F.interpolate(mask_src.reshape(-1, 1, 7, 9), size=(2, 3), mode="bilinear")
out["noiseMask"] = {"values": flat(nm.repeat(3, 1, 1, 1)[:3])}

# ImagePadForOutpaint: 10x12 image, left 8 top 0 right 4 bottom 16, feathering 3; fill 0.5.
img = wave(10 * 12 * 3, 0.2).reshape(1, 10, 12, 3)
l, t, r, b, feather = 8, 0, 4, 16, 3
d1, d2, d3, d4 = img.shape
new = torch.ones((d1, d2 + t + b, d3 + l + r, d4)) * 0.5
new[:, t:t + d2, l:l + d3, :] = img
m = torch.ones((d2 + t + b, d3 + l + r))
inner = torch.zeros((d2, d3))
if feather > 0 and feather * 2 < d2 and feather * 2 < d3:
    for i in range(d2):
        for j in range(d3):
            d = min(i if t != 0 else d2, d2 - i if b != 0 else d2, j if l != 0 else d3, d3 - j if r != 0 else d3)
            if d < feather:
                inner[i, j] = ((feather - d) / feather) ** 2
m[t:t + d2, l:l + d3] = inner
out["pad"] = {"images": flat(new), "mask": flat(m), "shape": list(new.shape)}

# ImageBatch: image2 6x5 resized (center crop, bilinear) to image1's 4x7.
im2 = wave(6 * 5 * 3, 0.7).reshape(1, 6, 5, 3).movedim(-1, 1)
old_w, old_h, w, h = 5, 6, 7, 4
old_aspect, new_aspect = old_w / old_h, w / h
xo = yo = 0
if old_aspect > new_aspect:
    xo = round((old_w - old_w * (new_aspect / old_aspect)) / 2)
elif old_aspect < new_aspect:
    yo = round((old_h - old_h * (old_aspect / new_aspect)) / 2)
cropped = im2[:, :, yo:old_h - yo, xo:old_w - xo]
out["batchResize"] = {"images": flat(F.interpolate(cropped, size=(h, w), mode="bilinear").movedim(1, -1))}

# LatentUpscaleBy 1.5 on a [1,2,5,7] latent: round(7*1.5)=10 (Python round: 10.5 -> 10), round(5*1.5)=8 (7.5 -> 8).
lat = wave(70, 0.3).reshape(1, 2, 5, 7)
scale = 1.5
nw, nh = round(7 * scale), round(5 * scale)
out["latentUpscaleBy"] = {m: {"shape": [1, 2, nh, nw], "values": flat(F.interpolate(lat, size=(nh, nw), mode=m))} for m in ("bilinear", "bicubic", "nearest-exact", "area")}



# bislerp (comfy/utils.py), re-derived: per axis, slerp between the truncated bilinear neighbours.
def slerp_rows(b1, b2, r):
    n1 = torch.norm(b1, dim=-1, keepdim=True)
    n2 = torch.norm(b2, dim=-1, keepdim=True)
    u1 = torch.where(n1 == 0, torch.zeros_like(b1), b1 / n1)
    u2 = torch.where(n2 == 0, torch.zeros_like(b2), b2 / n2)
    dot = (u1 * u2).sum(1)
    omega = torch.acos(dot)
    so = torch.sin(omega)
    res = (torch.sin((1.0 - r.squeeze(1)) * omega) / so).unsqueeze(1) * u1 + (torch.sin(r.squeeze(1) * omega) / so).unsqueeze(1) * u2
    res = res * (n1 * (1.0 - r) + n2 * r)
    res[dot > 1 - 1e-5] = b1[dot > 1 - 1e-5]
    res[dot < 1e-5 - 1] = (b1 * (1.0 - r) + b2 * r)[dot < 1e-5 - 1]
    return res


def neighbours(old, new):
    pos = F.interpolate(torch.arange(old, dtype=torch.float32).reshape(1, 1, 1, -1), size=(1, new), mode="bilinear")
    nxt = torch.arange(old, dtype=torch.float32).reshape(1, 1, 1, -1) + 1
    nxt[:, :, :, -1] -= 1
    nxt = F.interpolate(nxt, size=(1, new), mode="bilinear")
    return (pos - pos.floor()).reshape(-1), pos.to(torch.int64).reshape(-1), nxt.to(torch.int64).reshape(-1)


def bislerp_ref(x, w_new, h_new):
    n, c, h, w = x.shape
    r, i1, i2 = neighbours(w, w_new)
    p1 = x[:, :, :, i1].movedim(1, -1).reshape(-1, c)
    p2 = x[:, :, :, i2].movedim(1, -1).reshape(-1, c)
    rows = slerp_rows(p1, p2, r.repeat(n * h).reshape(-1, 1)).reshape(n, h, w_new, c).movedim(-1, 1)
    r, i1, i2 = neighbours(h, h_new)
    p1 = rows[:, :, i1, :].movedim(1, -1).reshape(-1, c)
    p2 = rows[:, :, i2, :].movedim(1, -1).reshape(-1, c)
    ratios = r.reshape(1, -1, 1).expand(n, h_new, w_new).reshape(-1, 1)
    return slerp_rows(p1, p2, ratios).reshape(n, h_new, w_new, c).movedim(-1, 1)


lat2 = (wave(2 * 4 * 5 * 7, 0.9) * 2 - 1).reshape(2, 4, 5, 7)
lat2[0, :, 2, 3] = lat2[0, :, 2, 2]  # parallel neighbours: the dot > 1 - 1e-5 branch
out["bislerp"] = {"up": flat(bislerp_ref(lat2, 11, 8)), "down": flat(bislerp_ref(lat2, 3, 4))}

OUT = "packages/nodes/src/sd/image-ops/comfy-ops.reference.json"
with open(OUT, "w") as f:
    json.dump({"torch": torch.__version__, **out}, f)
print("wrote " + OUT)
