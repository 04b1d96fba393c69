"""float32 -> float16 conversion of an exported graph (keep_io_types=False), for the fp16 fixture.

Real fp16 exports are traced in half precision on CUDA (`optimum-cli export onnx --fp16 --device cuda`);
torch 1.13 has no half kernels for conv/addmm on CPU, so the fp32 trace is converted the way
onnxconverter-common's `convert_float_to_float16` (used by Olive's OnnxFloatToFloat16 pass) does:
float initializers, constants, casts and graph I/O become float16, values clipped to +-65504. The
sinusoidal timestep embedding (`/time_proj/` scope) stays float32, as in diffusers, which computes it in
float32 and casts with `.to(sample.dtype)`; a Cast to float16 is inserted where it leaves that scope.
"""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

F32, F16 = TensorProto.FLOAT, TensorProto.FLOAT16
FP16_MAX = 65504.0


def _to_fp16(tensor):
    arr = np.clip(numpy_helper.to_array(tensor), -FP16_MAX, FP16_MAX).astype(np.float16)
    out = numpy_helper.from_array(arr, tensor.name)
    tensor.CopyFrom(out)


def convert(model, keep_scopes=("/time_proj/", "/add_time_proj/")):
    g = model.graph
    # node names (unique in torch exports) identify nodes: protobuf wrappers have no stable identity
    kept = {n.name for n in g.node if n.name.startswith(keep_scopes)}
    # Resize's roi and scales inputs are float32-only in the ONNX spec (as onnxconverter-common keeps them)
    fp32_only = {n.input[k] for n in g.node if n.op_type == "Resize" for k in (1, 2) if k < len(n.input)}
    kept = kept | {n.name for n in g.node if n.op_type == "Constant" and n.output[0] in fp32_only}
    kept_inputs = {i for n in g.node if n.name in kept for i in n.input} | fp32_only
    other_inputs = {i for n in g.node if n.name not in kept and n.op_type != "Resize" for i in n.input}
    for init in g.initializer:
        if init.data_type == F32 and not (init.name in kept_inputs and init.name not in other_inputs):
            _to_fp16(init)
    for vi in list(g.input) + list(g.output):
        if vi.type.tensor_type.elem_type == F32:
            vi.type.tensor_type.elem_type = F16
    del g.value_info[:]
    for node in g.node:
        if node.name in kept:
            continue
        for attr in node.attribute:
            if attr.name == "value" and attr.t.data_type == F32:
                _to_fp16(attr.t)
            elif node.op_type == "Cast" and attr.name == "to" and attr.i == F32:
                attr.i = F16
            elif node.op_type in ("RandomNormal", "RandomNormalLike") and attr.name == "dtype" and attr.i == F32:
                attr.i = F16
    # float32 values that leave the kept scope are cast to float16 for their consumers
    produced = {o: n for n in g.node if n.name in kept for o in n.output}
    casts = []
    for node in g.node:
        if node.name in kept:
            continue
        for k, name in enumerate(node.input):
            if name in produced and produced[name].op_type not in ("Shape", "Constant"):
                cast_name = name + "_fp16"
                if cast_name not in {c.output[0] for c in casts}:
                    casts.append(helper.make_node("Cast", [name], [cast_name], name=name + "_Cast_fp16", to=F16))
                node.input[k] = cast_name
    nodes = list(g.node)
    del g.node[:]
    for node in nodes:  # keep topological order: each cast right after its producer
        g.node.append(node)
        for c in casts:
            if c.input[0] in node.output:
                g.node.append(c)
    onnx.checker.check_model(model)
    return model
