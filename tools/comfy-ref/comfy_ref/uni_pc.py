"""UniPC (Zhao et al. 2023, arXiv:2302.04867) as ComfyUI's comfy/extra_samplers/uni_pc.py drives it:
data prediction, B(h) = h (bh1), multistep with lower_order_final, the last sigma 0 replaced by 0.001,
VP-scaled state x / sqrt(1 + sigma^2), no corrector on the final step. Re-derived in float32 torch."""
import torch


def log_mean_coeff(s):
    return 0.5 * torch.log(1 / (s * s + 1))


def alpha(s):
    return torch.exp(log_mean_coeff(s))


def std(s):
    return torch.sqrt(1.0 - torch.exp(2.0 * log_mean_coeff(s)))


def lam(s):
    lmc = log_mean_coeff(s)
    return lmc - 0.5 * torch.log(1.0 - torch.exp(2.0 * lmc))


def uni_pc(model, x, sigmas, seed, variant="bh1", **_):
    ts = sigmas.clone()
    if ts[-1] == 0:
        ts[-1] = 0.001

    def x0(xv, s):
        xin = xv * ((s ** 2 + 1.0) ** 0.5)
        eps = (xin - model(xin, s)) / s
        return (xv - std(s) * eps) / alpha(s)

    def update(xv, models, times, t, order, use_corrector):
        t0 = times[-1]
        m0 = models[-1]
        h = lam(t) - lam(t0)
        rks, d1s = [], []
        for i in range(1, order):
            rk = (lam(times[-(i + 1)]) - lam(t0)) / h
            rks.append(rk)
            d1s.append((models[-(i + 1)] - m0) / rk)
        rks.append(torch.tensor(1.0))
        rks = torch.stack([torch.as_tensor(r, dtype=torch.float32) for r in rks])
        hh = -h
        h_phi_1 = torch.expm1(hh)
        h_phi_k = h_phi_1 / hh - 1
        fact = 1
        bh = hh if variant == "bh1" else torch.expm1(hh)
        R, b = [], []
        for i in range(1, order + 1):
            R.append(torch.pow(rks, i - 1))
            b.append(h_phi_k * fact / bh)
            fact *= i + 1
            h_phi_k = h_phi_k / hh - 1 / fact
        R = torch.stack(R)
        b = torch.stack(b)
        if d1s:
            rhos_p = torch.tensor([0.5]) if order == 2 else torch.linalg.solve(R[:-1, :-1], b[:-1])
        if use_corrector:
            rhos_c = torch.tensor([0.5]) if order == 1 else torch.linalg.solve(R, b)
        x_ = std(t) / std(t0) * xv - alpha(t) * h_phi_1 * m0
        pred = sum(rhos_p[k] * d1s[k] for k in range(len(d1s))) if d1s else 0
        xt = x_ - alpha(t) * bh * pred
        mt = None
        if use_corrector:
            mt = x0(xt, t)
            corr = sum(rhos_c[k] * d1s[k] for k in range(len(d1s))) if d1s else 0
            xt = x_ - alpha(t) * bh * (corr + rhos_c[-1] * (mt - m0))
        return xt, mt

    xv = x / torch.sqrt(1.0 + ts[0] ** 2.0)
    steps = len(ts) - 1
    order = min(3, len(ts) - 2)
    models, times = [], []
    for si in range(steps):
        if si == 0:
            models, times = [x0(xv, ts[0])], [ts[0]]
        elif si < order:
            xv, m = update(xv, models, times, ts[si], si, True)
            models.append(m if m is not None else x0(xv, ts[si]))
            times.append(ts[si])
        else:
            for step in range(si, si + 1 + (1 if si == steps - 1 else 0)):
                so = min(order, steps + 1 - step)
                xv, m = update(xv, models, times, ts[step], so, step != steps)
                for i in range(order - 1):
                    times[i], models[i] = times[i + 1], models[i + 1]
                times[-1] = ts[step]
                if step < steps:
                    models[-1] = m if m is not None else x0(xv, ts[step])
    return xv / alpha(ts[-1])
