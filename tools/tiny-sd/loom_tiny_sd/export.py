"""torch.onnx.export (TorchScript exporter, opset 17, constant folding) and the external-data
re-saves the real exporters do."""
import contextlib
import os

import onnx
import torch
from onnx import external_data_helper

OPSET = 17


@contextlib.contextmanager
def forward_as(module, fn):
    """Temporarily replaces `module.forward`, as the diffusers script does (`vae.forward = lambda ...`).
    The module stays the traced root, so node names keep their real scopes (no wrapper prefix)."""
    module.forward = fn
    try:
        yield module
    finally:
        del module.forward


def export(module, args, path, input_names, output_names, dynamic_axes):
    path.parent.mkdir(parents=True, exist_ok=True)
    with torch.no_grad():
        torch.onnx.export(module, args, str(path), input_names=input_names, output_names=output_names,
                          dynamic_axes=dynamic_axes, do_constant_folding=True, opset_version=OPSET)
    # the checker validates the graph the way the real exporters' post-export checks do
    onnx.checker.check_model(str(path))
    return path


def resave_one_file(path, location):
    """Moves every initializer >= 1 kB into ONE external file (`weights.pb` for the diffusers script,
    `model.onnx_data` for Optimum): onnx.save_model(save_as_external_data=True, all_tensors_to_one_file=True)."""
    model = onnx.load(str(path))
    for stale in (path.parent / location,):
        if stale.exists():
            stale.unlink()
    onnx.save_model(model, str(path), save_as_external_data=True, all_tensors_to_one_file=True, location=location,
                    size_threshold=1024, convert_attribute=False)


def torch_external_name(name):
    # torch/csrc/jit/serialization/export.cpp GetExternalFileName: \ / : ? " < > | become '_'
    return "".join("_" if ch in '\\/:?"<>|' else ch for ch in name)


def resave_per_tensor(path):
    """What torch.onnx.export writes for a model over 2 GB: one file per initializer of at least 1024
    elements (ParamSizeThresholdForExternalStorage), named after the tensor (`onnx__MatMul_123`)."""
    model = onnx.load(str(path))
    folder = path.parent
    for tensor in model.graph.initializer:
        count = 1
        for d in tensor.dims:
            count *= d
        if count < 1024 or not tensor.HasField("raw_data"):
            continue
        location = torch_external_name(tensor.name)
        (folder / location).write_bytes(tensor.raw_data)
        external_data_helper.set_external_data(tensor, location)
        tensor.ClearField("raw_data")
    with open(path, "wb") as f:
        f.write(model.SerializeToString())


def clear_dir(folder):
    if folder.exists():
        for name in os.listdir(folder):
            os.unlink(folder / name)
    folder.mkdir(parents=True, exist_ok=True)
