# Generator of the [torch] expected values in config-keys.test.ts: the scheduler config keys
# rescale_betas_zero_snr, sigma_min/sigma_max (Euler Karras), use_lu_lambdas and solver_order=1 (DPM-Solver++),
# thresholding (DDIM, DPM-Solver++: diffusers' DDPMScheduler._threshold_sample), solver_order=3 (DPM++ 3M),
# algorithm_type=sde-dpmsolver++ (orders 2 and 3, noise drawn from the run's generator every step).
# Run: /usr/bin/python3 tools/diffusers-schedulers/config_keys_rederived.py   (Debian python3-torch + numpy; no diffusers needed)
# A hand re-derivation of the formulas in diffusers' scheduling_ddim.py (rescale_zero_terminal_snr),
# scheduling_euler_discrete.py (__init__, set_timesteps, _convert_to_karras) and scheduling_dpmsolver_multistep.py
# (set_timesteps, _convert_to_lu, first-order update), float32 tensors like diffusers; not diffusers code.
import torch, numpy as np, json
N = 1000
base = torch.linspace(0.00085 ** 0.5, 0.012 ** 0.5, N, dtype=torch.float32) ** 2

def rescale(betas):
    ab = torch.cumprod(1.0 - betas, dim=0).sqrt()
    first, last = ab[0].clone(), ab[-1].clone()
    ab = (ab - last) * (first / (first - last))
    bar = ab ** 2
    return 1 - torch.cat([bar[0:1], bar[1:] / bar[:-1]])

def sigma_to_t(sigma, log_sigmas):
    log_sigma = np.log(np.maximum(sigma, 1e-10))
    dists = log_sigma - log_sigmas[:, np.newaxis]
    low = np.cumsum((dists >= 0), axis=0).argmax(axis=0).clip(max=log_sigmas.shape[0] - 2)
    lo, hi = log_sigmas[low], log_sigmas[low + 1]
    w = np.clip((lo - log_sigma) / (lo - hi), 0, 1)
    return ((1 - w) * low + w * (low + 1)).reshape(np.shape(sigma))

out = {}
# Zero terminal SNR: ᾱ of DDIM (last exactly 0) and Euler (last set to 2**-24), Euler trailing 10 steps.
ac = torch.cumprod(1.0 - rescale(base), dim=0)
out['zsnr_ac'] = ['%.9g' % ac[i].item() for i in [0, 1, 500, 998, 999]]
ac_e = ac.clone(); ac_e[-1] = 2 ** -24
table = np.array(((1 - ac_e) / ac_e) ** 0.5)
ts = np.arange(N, 0, -N / 10).round().astype(np.float32) - 1
sig = np.concatenate([np.interp(ts, np.arange(N), table), [0]]).astype(np.float32)
out['zsnr_euler'] = dict(t=ts.tolist(), s=['%.9g' % v for v in sig])

# Euler Karras with sigma_min=0.1, sigma_max=10, linspace spacing, 8 steps (plain SD schedule).
ac0 = torch.cumprod(1.0 - base, dim=0)
table0 = np.array(((1 - ac0) / ac0) ** 0.5)
log0 = np.log(table0)
rho = 7.0
ramp = np.linspace(0, 1, 8)
ks = (10.0 ** (1 / rho) + ramp * (0.1 ** (1 / rho) - 10.0 ** (1 / rho))) ** rho
kt = np.array([sigma_to_t(x, log0) for x in ks]).astype(np.float32)
out['euler_karras_range'] = dict(t=kt.tolist(), s=['%.9g' % v for v in np.concatenate([ks, [0]]).astype(np.float32)])

# DPM-Solver++ with use_lu_lambdas, 10 steps: log σ evenly spaced, timesteps rounded.
lambdas = np.flip(log0.copy())
lam = lambdas[0].item() + np.linspace(0, 1, 10) * (lambdas[-1].item() - lambdas[0].item())
ls = np.exp(lam)
lt = np.array([sigma_to_t(x, log0) for x in ls]).round().astype(np.int64)
out['dpm_lu'] = dict(t=lt.tolist(), s=['%.9g' % v for v in np.concatenate([ls, [0]]).astype(np.float32)])

# DPM-Solver++ solver_order=1, linspace, 8 steps, toy model ε = 0.5·x + 0.001·t (as in diffusers_rederived.py).
def model(x, t): return (0.5 * x + 0.001 * float(t)).to(torch.float32)
ts = np.linspace(0, N - 1, 9).round()[::-1][:-1].astype(np.int64)
sig = torch.from_numpy(np.concatenate([np.interp(ts, np.arange(N), table0), [0]]).astype(np.float32))
def ast(s):
    a = 1 / ((s ** 2 + 1) ** 0.5); return a, s * a
x = torch.randn(16, generator=torch.Generator('cpu').manual_seed(3))
for i, t in enumerate(ts):
    a_s, s_s = ast(sig[i])
    x0 = (x - s_s * model(x, t)) / a_s
    a_t, s_t = ast(sig[i + 1])
    h = (torch.log(a_t) - torch.log(s_t)) - (torch.log(a_s) - torch.log(s_s))
    x = (s_t / s_s) * x - (a_t * (torch.exp(-h) - 1.0)) * x0
out['loop_dpm_order1'] = ['%.9g' % v for v in x.tolist()]

# Dynamic thresholding, per image of a batch of 2 × 8 values, ratio 0.9, sample_max_value 3.
def threshold(x0):
    flat = x0.reshape(2, 8)
    s = torch.quantile(flat.abs(), 0.9, dim=1).clamp(min=1, max=3.0).unsqueeze(1)
    return (torch.clamp(flat, -s, s) / s).reshape(16)
probe = torch.tensor([0.5, -3.0, 1.5, 2.5, -0.25, 1.25, -1.75, 0.75, 0.1, 0.2, -0.3, 0.4, 0.5, -0.6, 0.7, 0.8])
out['threshold_probe'] = ['%.9g' % v for v in threshold(probe).tolist()]
# DDIM (leading, offset 1, set_alpha_to_one False) 6 steps with thresholding, toy model.
ts = (np.arange(0, 6) * (N // 6)).round()[::-1].astype(np.int64) + 1
x = torch.randn(16, generator=torch.Generator('cpu').manual_seed(3)) * 3
for t in ts:
    eps = model(x, t)
    pt = t - N // 6
    a = ac0[t]; ap = ac0[pt] if pt >= 0 else ac0[0]
    x0 = threshold((x - (1 - a) ** 0.5 * eps) / a ** 0.5)
    x = ap ** 0.5 * x0 + (1 - ap) ** 0.5 * eps
out['loop_ddim_threshold'] = ['%.9g' % v for v in x.tolist()]
# DPM-Solver++ 2M (linspace, 8 steps) with thresholding.
ts = np.linspace(0, N - 1, 9).round()[::-1][:-1].astype(np.int64)
sig = torch.from_numpy(np.concatenate([np.interp(ts, np.arange(N), table0), [0]]).astype(np.float32))
x = torch.randn(16, generator=torch.Generator('cpu').manual_seed(3)) * 3
prev = None
for i, t in enumerate(ts):
    a_s, s_s = ast(sig[i])
    x0 = threshold((x - s_s * model(x, t)) / a_s)
    a_t, s_t = ast(sig[i + 1])
    lam_t = torch.log(a_t) - torch.log(s_t); lam_s = torch.log(a_s) - torch.log(s_s)
    h = lam_t - lam_s
    if prev is None or i == len(ts) - 1:
        x = (s_t / s_s) * x - (a_t * (torch.exp(-h) - 1.0)) * x0
    else:
        a_1, s_1 = ast(sig[i - 1]); lam_1 = torch.log(a_1) - torch.log(s_1)
        D1 = (1.0 / ((lam_s - lam_1) / h)) * (x0 - prev)
        x = (s_t / s_s) * x - (a_t * (torch.exp(-h) - 1.0)) * x0 - 0.5 * (a_t * (torch.exp(-h) - 1.0)) * D1
    prev = x0
out['loop_dpm_threshold'] = ['%.9g' % v for v in x.tolist()]

# DPM-Solver++ solver_order=3 (linspace, 16 and 10 steps): step() order choice and the third-order update
# (multistep_dpm_solver_third_order_update) as diffusers writes them.
def run_dpm3(n, order=3, sde=False):
    ts = np.linspace(0, N - 1, n + 1).round()[::-1][:-1].astype(np.int64)
    sig = torch.from_numpy(np.concatenate([np.interp(ts, np.arange(N), table0), [0]]).astype(np.float32))
    lam = lambda s: torch.log(ast(s)[0]) - torch.log(ast(s)[1])
    g = torch.Generator('cpu').manual_seed(3)
    x = torch.randn(16, generator=g)
    outs = []; lower = 0
    for i, t in enumerate(ts):
        a_s, s_s = ast(sig[i])
        x0 = (x - s_s * model(x, t)) / a_s
        outs.append(x0)
        a_t, s_t = ast(sig[i + 1])
        h = lam(sig[i + 1]) - lam(sig[i])
        final = i == n - 1  # final_sigmas_type "zero"
        second = i == n - 2 and n < 15
        noise = torch.randn(16, generator=g) if sde else None
        if sde and (lower < 1 or final):
            x = (s_t / s_s * torch.exp(-h)) * x + (a_t * (1 - torch.exp(-2.0 * h))) * x0 + s_t * torch.sqrt(1.0 - torch.exp(-2 * h)) * noise
        elif sde and (order == 2 or lower < 2 or second):
            D1 = (1.0 / ((lam(sig[i]) - lam(sig[i - 1])) / h)) * (outs[-1] - outs[-2])
            x = ((s_t / s_s * torch.exp(-h)) * x + (a_t * (1 - torch.exp(-2.0 * h))) * x0
                 + 0.5 * (a_t * (1 - torch.exp(-2.0 * h))) * D1 + s_t * torch.sqrt(1.0 - torch.exp(-2 * h)) * noise)
        elif sde:
            m0, m1, m2 = outs[-1], outs[-2], outs[-3]
            r0 = (lam(sig[i]) - lam(sig[i - 1])) / h; r1 = (lam(sig[i - 1]) - lam(sig[i - 2])) / h
            D1_0, D1_1 = (1.0 / r0) * (m0 - m1), (1.0 / r1) * (m1 - m2)
            D1 = D1_0 + (r0 / (r0 + r1)) * (D1_0 - D1_1)
            D2 = (1.0 / (r0 + r1)) * (D1_0 - D1_1)
            x = ((s_t / s_s * torch.exp(-h)) * x + (a_t * (1.0 - torch.exp(-2.0 * h))) * m0
                 + (a_t * ((1.0 - torch.exp(-2.0 * h)) / (-2.0 * h) + 1.0)) * D1
                 + (a_t * ((1.0 - torch.exp(-2.0 * h) - 2.0 * h) / (2.0 * h) ** 2 - 0.5)) * D2
                 + s_t * torch.sqrt(1.0 - torch.exp(-2 * h)) * noise)
        elif lower < 1 or final:
            x = (s_t / s_s) * x - (a_t * (torch.exp(-h) - 1.0)) * x0
        elif order == 2 or lower < 2 or second:
            r0 = (lam(sig[i]) - lam(sig[i - 1])) / h
            D1 = (1.0 / r0) * (outs[-1] - outs[-2])
            x = (s_t / s_s) * x - (a_t * (torch.exp(-h) - 1.0)) * x0 - 0.5 * (a_t * (torch.exp(-h) - 1.0)) * D1
        else:
            m0, m1, m2 = outs[-1], outs[-2], outs[-3]
            h0 = lam(sig[i]) - lam(sig[i - 1]); h1 = lam(sig[i - 1]) - lam(sig[i - 2])
            r0, r1 = h0 / h, h1 / h
            D1_0, D1_1 = (1.0 / r0) * (m0 - m1), (1.0 / r1) * (m1 - m2)
            D1 = D1_0 + (r0 / (r0 + r1)) * (D1_0 - D1_1)
            D2 = (1.0 / (r0 + r1)) * (D1_0 - D1_1)
            x = ((s_t / s_s) * x - (a_t * (torch.exp(-h) - 1.0)) * m0
                 + (a_t * ((torch.exp(-h) - 1.0) / h + 1.0)) * D1
                 - (a_t * ((torch.exp(-h) - 1.0 + h) / h ** 2 - 0.5)) * D2)
        lower = min(lower + 1, order)
    return x
out['loop_dpm_order3_16'] = ['%.9g' % v for v in run_dpm3(16).tolist()]
out['loop_dpm_order3_10'] = ['%.9g' % v for v in run_dpm3(10).tolist()]
out['loop_dpm_sde_2m_8'] = ['%.9g' % v for v in run_dpm3(8, order=2, sde=True).tolist()]
out['loop_dpm_sde_3m_16'] = ['%.9g' % v for v in run_dpm3(16, order=3, sde=True).tolist()]
print(json.dumps(out))
