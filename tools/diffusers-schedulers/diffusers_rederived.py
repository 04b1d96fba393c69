# Generator of the [torch] expected values in schedules.test.ts and sampling.test.ts.
# Run: /usr/bin/python3 tools/diffusers-schedulers/diffusers_rederived.py   (Debian python3-torch 1.13.1 + numpy; no diffusers needed)
# It re-derives the diffusers formulas by hand; it is not diffusers code and not used at run time.
# Hand re-derivation of diffusers' scheduler formulas (scheduling_euler_discrete.py, _ancestral_discrete.py,
# scheduling_ddim.py, scheduling_dpmsolver_multistep.py, scheduling_lcm.py) in torch/numpy, float32 like diffusers.
import torch, numpy as np, math, json
N = 1000
betas = torch.linspace(0.00085 ** 0.5, 0.012 ** 0.5, N, dtype=torch.float32) ** 2
ac = torch.cumprod(1.0 - betas, dim=0)
table = np.array(((1 - ac) / ac) ** 0.5)            # float32 numpy
log_sigmas = np.log(table)
def sigma_to_t(sigma):
    log_sigma = np.log(np.maximum(sigma, 1e-10))
    dists = log_sigma - log_sigmas[:, np.newaxis]
    low = np.cumsum((dists >= 0), axis=0).argmax(axis=0).clip(max=N - 2)
    lo, hi = log_sigmas[low], log_sigmas[low + 1]
    w = np.clip((lo - log_sigma) / (lo - hi), 0, 1)
    return ((1 - w) * low + w * (low + 1)).reshape(np.shape(sigma))
def karras(smin, smax, n):
    ramp = np.linspace(0, 1, n); rho = 7.0
    return (smax ** (1 / rho) + ramp * (smin ** (1 / rho) - smax ** (1 / rho))) ** rho
out = {}
# Euler, SDXL config (leading, offset 1), 20 steps
ts = (np.arange(0, 20) * (N // 20)).round()[::-1].copy().astype(np.float32) + 1
sig = np.concatenate([np.interp(ts, np.arange(N), table), [0]]).astype(np.float32)
out['euler_leading'] = dict(t=ts.tolist(), s=sig.tolist(), init=float((torch.tensor(sig).max() ** 2 + 1) ** 0.5))
# Euler + use_karras_sigmas, linspace, 10 steps
ts = np.linspace(0, N - 1, 10, dtype=np.float32)[::-1].copy()
s = np.interp(ts, np.arange(N), table)
ks = karras(s[-1].item(), s[0].item(), 10)
kt = np.array([sigma_to_t(x) for x in ks]).astype(np.float32)
out['euler_karras'] = dict(t=kt.tolist(), s=np.concatenate([ks, [0]]).astype(np.float32).tolist())
# DPM++ 2M Karras, 20 steps
ks = karras(np.flip(table)[-1].item(), np.flip(table)[0].item(), 20)
kt = np.array([sigma_to_t(x) for x in ks]).round().astype(np.int64)
out['dpm_karras'] = dict(t=kt.tolist(), s=np.concatenate([ks, [0]]).astype(np.float32).tolist())
# DPM++ 2M leading offset 1 and linspace, 20 steps
out['dpm_leading'] = ((np.arange(0, 21) * (N // 21)).round()[::-1][:-1].astype(np.int64) + 1).tolist()
out['dpm_linspace'] = np.linspace(0, N - 1, 21).round()[::-1][:-1].astype(np.int64).tolist()
out['ddim_trailing_16'] = (np.round(np.arange(N, 0, -N / 16)).astype(np.int64) - 1).tolist()
out['euler_linspace_7'] = np.linspace(0, N - 1, 7, dtype=np.float32)[::-1].tolist()
out['trailing_61_len'] = len(np.arange(N, 0, -N / 61))

# Sampling loops on a toy "model" eps = 0.5*x + 0.001*t, 16-element latent, float32 torch ops.
def model(x, t): return (0.5 * x + 0.001 * float(t)).to(torch.float32)
def run_euler(ancestral):
    ts = np.linspace(0, N - 1, 6, dtype=np.float32)[::-1].copy()
    sig = torch.from_numpy(np.concatenate([np.interp(ts, np.arange(N), table), [0]]).astype(np.float32))
    g = torch.Generator('cpu').manual_seed(3)
    x = torch.randn(16, generator=g) * sig.max()
    for i, t in enumerate(ts):
        s = sig[i]
        eps = model(x / ((s ** 2 + 1) ** 0.5), t)
        x0 = x - s * eps
        if ancestral:
            st = sig[i + 1]
            up = (st ** 2 * (s ** 2 - st ** 2) / s ** 2) ** 0.5
            down = (st ** 2 - up ** 2) ** 0.5
            x = x + (x - x0) / s * (down - s)
            x = x + torch.randn(16, generator=g) * up
        else:
            x = x + (x - x0) / s * (sig[i + 1] - s)
    return x
def run_ddim():
    ts = (np.arange(0, 6) * (N // 6)).round()[::-1].astype(np.int64) + 1
    x = torch.randn(16, generator=torch.Generator('cpu').manual_seed(3))
    for t in ts:
        eps = model(x, t)
        pt = t - N // 6
        a = ac[t]; ap = ac[pt] if pt >= 0 else ac[0]   # set_alpha_to_one False (SD config)
        x0 = (x - (1 - a) ** 0.5 * eps) / a ** 0.5      # clip_sample False (SDXL-style config)
        x = ap ** 0.5 * x0 + (1 - ap - torch.tensor(0.0) ** 2) ** 0.5 * eps
    return x
def run_dpm(karras_on):
    if karras_on:
        ks = karras(table[0].item(), table[-1].item(), 8)
        ts = np.array([sigma_to_t(v) for v in ks]).round().astype(np.int64)
        sig = torch.from_numpy(np.concatenate([ks, [0]]).astype(np.float32))
    else:
        ts = np.linspace(0, N - 1, 9).round()[::-1][:-1].astype(np.int64)
        sig = torch.from_numpy(np.concatenate([np.interp(ts, np.arange(N), table), [0]]).astype(np.float32))
    def ast(s):
        a = 1 / ((s ** 2 + 1) ** 0.5); return a, s * a
    x = torch.randn(16, generator=torch.Generator('cpu').manual_seed(3))
    prev = None
    for i, t in enumerate(ts):
        a_s, s_s = ast(sig[i])
        x0 = (x - s_s * model(x, t)) / a_s
        a_t, s_t = ast(sig[i + 1])
        lam_t = torch.log(a_t) - torch.log(s_t); lam_s = torch.log(a_s) - torch.log(s_s)
        h = lam_t - lam_s
        last = i == len(ts) - 1
        if prev is None or last:
            x = (s_t / s_s) * x - (a_t * (torch.exp(-h) - 1.0)) * x0
        else:
            a_1, s_1 = ast(sig[i - 1]); lam_1 = torch.log(a_1) - torch.log(s_1)
            r0 = (lam_s - lam_1) / h
            D1 = (1.0 / r0) * (x0 - prev)
            x = (s_t / s_s) * x - (a_t * (torch.exp(-h) - 1.0)) * x0 - 0.5 * (a_t * (torch.exp(-h) - 1.0)) * D1
        prev = x0
    return x
def run_lcm():
    origin = (np.asarray(list(range(1, 51))) * 20 - 1)[::-1].copy()
    ts = origin[np.floor(np.linspace(0, 50, 4, endpoint=False)).astype(np.int64)]
    g = torch.Generator('cpu').manual_seed(3)
    x = torch.randn(16, generator=g)
    for i, t in enumerate(ts):
        tt = torch.tensor(t)
        a = ac[tt]; b = 1 - a
        st = tt * 10.0
        c_skip = 0.25 / (st ** 2 + 0.25); c_out = st / (st ** 2 + 0.25) ** 0.5
        x0 = (x - b.sqrt() * model(x, t)) / a.sqrt()
        den = c_out * x0 + c_skip * x
        if i != len(ts) - 1:
            ap = ac[ts[i + 1]]
            x = ap.sqrt() * den + (1 - ap).sqrt() * torch.randn(16, generator=g)
        else:
            x = den
    return x
for name, fn in [('euler', lambda: run_euler(False)), ('euler_a', lambda: run_euler(True)), ('ddim', run_ddim),
                 ('dpm', lambda: run_dpm(False)), ('dpm_karras', lambda: run_dpm(True)), ('lcm', run_lcm)]:
    out['loop_' + name] = ['%.9g' % v for v in fn().tolist()]
print(json.dumps(out))
