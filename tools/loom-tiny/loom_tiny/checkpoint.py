"""Resumable training: a stage's modules, optimizers and step are saved every few minutes (atomically),
so a run that stops anywhere continues from its last checkpoint; a finished stage leaves `<name>.done.pt`."""
import os
import time

import numpy as np
import torch

from .paths import WORK

SAVE_EVERY_S = 120


def path(name, done=False):
    return WORK / f"{name}{'.done' if done else ''}.pt"


def _save(file, payload):
    WORK.mkdir(parents=True, exist_ok=True)
    tmp = file.with_suffix(".tmp")
    torch.save(payload, tmp)
    os.replace(tmp, file)


def save_done(name, payload):
    """Marks a stage finished with `payload` (what `load_done` returns), e.g. weights from elsewhere."""
    _save(path(name, done=True), payload)


def load_done(name):
    file = path(name, done=True)
    if not file.exists():
        raise SystemExit(f"stage '{name}' has not finished: {file} is missing (run it first)")
    return torch.load(file)


def run(name, objects, total_steps, step_fn, log_every=50):
    """Calls `step_fn(step) -> loss` from the saved step to `total_steps`, checkpointing `objects`
    ({name: module or optimizer}) with torch's RNG state (batches are drawn from the step number).
    Returns the objects' state dicts when done."""
    if path(name, done=True).exists():
        print(f"[{name}] already done")
        return load_done(name)
    step = 0
    if path(name).exists():
        saved = torch.load(path(name))
        for key, obj in objects.items():
            obj.load_state_dict(saved["objects"][key])
        step = saved["step"]
        torch.set_rng_state(saved["torch_rng"])
        print(f"[{name}] resuming at step {step}/{total_steps}")

    def checkpoint():
        _save(path(name), {"objects": {k: o.state_dict() for k, o in objects.items()}, "step": step,
                           "torch_rng": torch.get_rng_state()})

    started, last_save, losses = time.time(), time.time(), []
    first = step
    while step < total_steps:
        losses.append(step_fn(step))
        step += 1
        if step % log_every == 0 or step == total_steps:
            rate = (time.time() - started) / (step - first)
            print(f"[{name}] step {step}/{total_steps} loss {np.mean(losses):.4f} "
                  f"{rate:.2f} s/step, ETA {rate * (total_steps - step) / 60:.1f} min", flush=True)
            losses = []
        if time.time() - last_save > SAVE_EVERY_S:
            checkpoint()
            last_save = time.time()
    states = {k: o.state_dict() for k, o in objects.items()}
    _save(path(name, done=True), states)
    path(name).unlink(missing_ok=True)
    return states


def torch_state(name):
    """The finished stage's states, or the objects of its latest checkpoint while it runs."""
    if path(name, done=True).exists():
        return load_done(name)
    return torch.load(path(name))["objects"]
