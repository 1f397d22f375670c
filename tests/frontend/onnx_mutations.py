"""The mutations of the ONNX import fuzzer (`onnx_fuzz.py`): the base models (the bundled
examples and a few small models built with onnx.helper) and the mutations applied to them,
on the protobuf (`PROTO_MUTATIONS`) or on the serialized bytes (`BYTE_MUTATIONS`)."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "models"


# ---------------------------------------------------------------- base models


def _model(nodes, inputs, outputs, inits=(), opset=13) -> onnx.ModelProto:
    graph = helper.make_graph(nodes, "g", inputs, outputs, initializer=list(inits))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    return model


def _vi(name: str, shape, elem=TensorProto.FLOAT) -> onnx.ValueInfoProto:
    return helper.make_tensor_value_info(name, elem, shape)


def _built_models() -> dict[str, onnx.ModelProto]:
    rng = np.random.default_rng(0)
    f32 = np.float32
    models: dict[str, onnx.ModelProto] = {}
    w = numpy_helper.from_array(rng.standard_normal((8, 4)).astype(f32), "w")
    b = numpy_helper.from_array(rng.standard_normal(8).astype(f32), "b")
    models["gemm_relu"] = _model(
        [
            helper.make_node("Gemm", ["x", "w", "b"], ["h"], transB=1, name="fc"),
            helper.make_node("Relu", ["h"], ["y"], name="relu"),
        ],
        [_vi("x", [1, 4])],
        [_vi("y", [1, 8])],
        [w, b],
    )
    k = numpy_helper.from_array(rng.standard_normal((4, 2, 3, 3)).astype(f32), "k")
    models["conv_pool"] = _model(
        [
            helper.make_node("Conv", ["x", "k"], ["c"], pads=[1, 1, 1, 1], name="conv"),
            helper.make_node("MaxPool", ["c"], ["p"], kernel_shape=[2, 2], strides=[2, 2]),
            helper.make_node("Flatten", ["p"], ["y"], axis=1, name="flat"),
        ],
        [_vi("x", [1, 2, 6, 6])],
        [_vi("y", [1, 36])],
        [k],
    )
    shape = numpy_helper.from_array(np.array([1, -1], dtype=np.int64), "shape")
    models["shape_fold"] = _model(
        [
            helper.make_node("Shape", ["x"], ["s"], name="shape"),
            helper.make_node("Gather", ["s", "zero"], ["n"], axis=0, name="gather"),
            helper.make_node("Unsqueeze", ["n", "axes"], ["n1"], name="unsq"),
            helper.make_node("Concat", ["n1", "minus1"], ["target"], axis=0, name="cat"),
            helper.make_node("Reshape", ["x", "target"], ["r"], name="reshape"),
            helper.make_node("Reshape", ["r", "shape"], ["y"], name="reshape2"),
        ],
        [_vi("x", [1, 3, 4])],
        [_vi("y", [1, 12])],
        [
            shape,
            numpy_helper.from_array(np.array(0, dtype=np.int64), "zero"),
            numpy_helper.from_array(np.array([0], dtype=np.int64), "axes"),
            numpy_helper.from_array(np.array([-1], dtype=np.int64), "minus1"),
        ],
    )
    models["const_expand"] = _model(
        [
            helper.make_node(
                "ConstantOfShape",
                ["cshape"],
                ["ones"],
                value=numpy_helper.from_array(np.array([1.0], dtype=f32)),
                name="cos",
            ),
            helper.make_node("Expand", ["ones", "eshape"], ["e"], name="expand"),
            helper.make_node("Mul", ["x", "e"], ["y"], name="mul"),
        ],
        [_vi("x", [1, 4, 4])],
        [_vi("y", [1, 4, 4])],
        [
            numpy_helper.from_array(np.array([1, 4], dtype=np.int64), "cshape"),
            numpy_helper.from_array(np.array([1, 4, 4], dtype=np.int64), "eshape"),
        ],
    )
    models["softmax_transpose"] = _model(
        [
            helper.make_node("Transpose", ["x"], ["t"], perm=[0, 2, 1], name="tr"),
            helper.make_node("Add", ["t", "bias"], ["a"], name="add"),
            helper.make_node("Softmax", ["a"], ["y"], axis=-1, name="softmax"),
        ],
        [_vi("x", [1, 3, 5])],
        [_vi("y", [1, 5, 3])],
        [numpy_helper.from_array(rng.standard_normal(3).astype(f32), "bias")],
    )
    return models


@cache
def base_models() -> tuple[tuple[str, bytes], ...]:
    """(name, serialized model) of every base model: bundled examples, then built ones."""
    found = [(p.stem, p.read_bytes()) for p in sorted(EXAMPLES.glob("*.onnx"))]
    found += [(name, m.SerializeToString()) for name, m in _built_models().items()]
    return tuple(found)


# ---------------------------------------------------------------- mutations

HOSTILE_NAMES = (
    "a" * 5000,
    "x\ny\r\nz",
    '\'; system("rm -rf /"); //',
    "*/ module evil; /*",
    "../../etc/passwd",
    "\x00\x01\x1b[31mred",
    "",
    " ",
    "名前🙂",
    "$(reboot)",
    "{{ 7*7 }}",
    "\\",
)

ABSURD_INTS = (0, -1, -(2**31), 2**31 - 1, 2**62, -(2**63), 2**40, 65536, 3, 1)


def pick(rng: np.random.Generator, items):
    return items[int(rng.integers(len(items)))]


def _all_names(model: onnx.ModelProto) -> list[str]:
    g = model.graph
    names = [v.name for v in (*g.input, *g.output, *g.value_info)]
    names += [t.name for t in g.initializer]
    for n in g.node:
        names += [*n.input, *n.output]
    return [n for n in names if n and isinstance(n, str)]  # a non-UTF-8 name reads as bytes


def _rename_everywhere(model: onnx.ModelProto, old: str, new: str) -> None:
    g = model.graph
    for v in (*g.input, *g.output, *g.value_info, *g.initializer):
        if v.name == old:
            v.name = new
    for n in g.node:
        for seq in (n.input, n.output):
            for i, name in enumerate(seq):
                if name == old:
                    seq[i] = new


def m_remove_node(model, rng):
    if model.graph.node:
        del model.graph.node[int(rng.integers(len(model.graph.node)))]


def m_duplicate_node(model, rng):
    if model.graph.node:
        node = model.graph.node[int(rng.integers(len(model.graph.node)))]
        model.graph.node.append(node)


def m_dangling_input(model, rng):
    nodes = [n for n in model.graph.node if n.input]
    if nodes:
        node = pick(rng, nodes)
        node.input[int(rng.integers(len(node.input)))] = "nowhere_" + str(int(rng.integers(99)))
    elif model.graph.output:
        model.graph.output[0].name = "nowhere"


def m_cycle(model, rng):
    nodes = list(model.graph.node)
    if len(nodes) >= 2:
        i = int(rng.integers(len(nodes) - 1))
        j = int(rng.integers(i + 1, len(nodes)))
        if nodes[i].input and nodes[j].output:
            nodes[i].input[0] = nodes[j].output[0]
    elif nodes and nodes[0].input and nodes[0].output:
        nodes[0].input[0] = nodes[0].output[0]


def m_absurd_dims(model, rng):
    values = [*model.graph.input, *model.graph.output]
    if not values:
        return
    value = pick(rng, values)
    dims = value.type.tensor_type.shape.dim
    choice = int(rng.integers(4))
    if choice == 0 and dims:
        dims[int(rng.integers(len(dims)))].dim_value = int(pick(rng, ABSURD_INTS))
    elif choice == 1 and dims:
        dims[int(rng.integers(len(dims)))].dim_param = pick(rng, ("N", "", "batch\n"))
    elif choice == 2:
        value.type.tensor_type.shape.dim.add().dim_value = int(pick(rng, ABSURD_INTS))
    else:
        for d in dims:
            d.dim_value = 2**20


def m_absurd_attribute(model, rng):
    nodes = [n for n in model.graph.node if n.attribute]
    if nodes:
        attr = pick(rng, pick(rng, nodes).attribute)
        if attr.type == onnx.AttributeProto.INT:
            attr.i = int(pick(rng, ABSURD_INTS))
        elif attr.type == onnx.AttributeProto.INTS and len(attr.ints):
            attr.ints[int(rng.integers(len(attr.ints)))] = int(pick(rng, ABSURD_INTS))
            if rng.random() < 0.3:
                attr.ints.append(int(pick(rng, ABSURD_INTS)))
        elif attr.type == onnx.AttributeProto.FLOAT:
            attr.f = float(pick(rng, (np.nan, np.inf, -np.inf, 1e38, -0.0)))
        elif attr.type == onnx.AttributeProto.TENSOR:
            attr.t.dims.append(int(pick(rng, ABSURD_INTS)))
        else:
            attr.type = onnx.AttributeProto.STRING
            attr.s = b"\xff\xfe"
    elif model.graph.node:
        node = pick(rng, model.graph.node)
        node.attribute.append(helper.make_attribute("axis", int(pick(rng, ABSURD_INTS))))


def m_wrong_dtype(model, rng):
    dtypes = (0, 2, 3, 6, 7, 8, 9, 10, 11, 14, 16, 17, 23, 99)
    if rng.random() < 0.5 and model.graph.initializer:
        pick(rng, model.graph.initializer).data_type = int(pick(rng, dtypes))
    elif model.graph.input:
        pick(rng, model.graph.input).type.tensor_type.elem_type = int(pick(rng, dtypes))


def m_initializer_size(model, rng):
    if not model.graph.initializer:
        return
    tensor = pick(rng, model.graph.initializer)
    choice = int(rng.integers(4))
    if choice == 0 and tensor.raw_data:
        tensor.raw_data = tensor.raw_data[: int(rng.integers(len(tensor.raw_data)))]
    elif choice == 1 and tensor.dims:
        tensor.dims[int(rng.integers(len(tensor.dims)))] = int(pick(rng, ABSURD_INTS))
    elif choice == 2:
        tensor.dims.append(int(pick(rng, (2, 7, 2**31))))
    else:
        tensor.raw_data = tensor.raw_data + b"\x00" * int(rng.integers(1, 9))


def m_external_data(model, rng, side: dict[str, bytes]):
    if not model.graph.initializer:
        return
    tensor = pick(rng, model.graph.initializer)
    try:
        raw = tensor.raw_data or numpy_helper.from_array(numpy_helper.to_array(tensor)).raw_data
    except Exception:  # already mutated past reading
        raw = b"\x00" * 16
    location = pick(
        rng,
        ("weights.bin", "missing.bin", "../../../../etc/passwd", "/etc/passwd", "sub/../w.bin", ""),
    )
    if location == "weights.bin":
        cut = int(rng.integers(len(raw) + 1)) if rng.random() < 0.5 else len(raw)
        side["weights.bin"] = raw[:cut]
    tensor.ClearField("raw_data")
    tensor.ClearField("float_data")
    tensor.ClearField("int64_data")
    tensor.data_location = TensorProto.EXTERNAL
    del tensor.external_data[:]
    entry = tensor.external_data.add()
    entry.key, entry.value = "location", location
    if rng.random() < 0.4:
        entry = tensor.external_data.add()
        entry.key = pick(rng, ("offset", "length"))
        entry.value = str(pick(rng, (-5, 0, 3, 2**40, "x")))


def m_huge_shape(model, rng):
    """A node that would materialize an enormous tensor from tiny inputs."""
    big = int(pick(rng, (2**16, 2**20, 2**31, 2**40)))
    g = model.graph
    kind = int(rng.integers(4))
    if kind == 0:
        g.initializer.append(
            numpy_helper.from_array(np.array([big, big], dtype=np.int64), "huge_shape")
        )
        g.node.insert(0, helper.make_node("ConstantOfShape", ["huge_shape"], ["huge"], name="cos"))
    elif kind == 1:
        g.initializer.append(numpy_helper.from_array(np.ones(1, np.float32), "one"))
        g.initializer.append(
            numpy_helper.from_array(np.array([big, 8, big], dtype=np.int64), "huge_shape")
        )
        g.node.insert(0, helper.make_node("Expand", ["one", "huge_shape"], ["huge"], name="exp"))
    elif kind == 2:
        g.initializer.append(numpy_helper.from_array(np.ones((2, 2), np.float32), "tile_in"))
        g.initializer.append(numpy_helper.from_array(np.array([big, big], dtype=np.int64), "reps"))
        g.node.insert(0, helper.make_node("Tile", ["tile_in", "reps"], ["huge"], name="tile"))
    else:
        start, limit, delta = (np.array(v, dtype=np.float32) for v in (0, big, 1e-3))
        for name, v in (("r0", start), ("r1", limit), ("r2", delta)):
            g.initializer.append(numpy_helper.from_array(v, name))
        g.node.insert(0, helper.make_node("Range", ["r0", "r1", "r2"], ["huge"], name="range"))
    if g.node and len(g.node) > 1 and rng.random() < 0.5:
        # feed it into the graph so it is not dead code
        consumer = g.node[int(rng.integers(1, len(g.node)))]
        if consumer.input:
            consumer.input[-1] = "huge"
    if rng.random() < 0.5:
        g.output.append(_vi("huge", None))


def m_hostile_name(model, rng):
    names = _all_names(model)
    if names:
        _rename_everywhere(model, pick(rng, names), pick(rng, HOSTILE_NAMES))
    if model.graph.node and rng.random() < 0.5:
        pick(rng, model.graph.node).name = pick(rng, HOSTILE_NAMES)


def m_opset(model, rng):
    del model.opset_import[:]
    version = int(pick(rng, (0, 1, 8, 9, 11, 21, 22, 99, -3)))
    model.opset_import.append(helper.make_opsetid(pick(rng, ("", "ai.onnx", "foo")), version))
    if rng.random() < 0.3:
        model.ir_version = int(pick(rng, (0, 1, 3, 99)))


def m_unknown_op(model, rng):
    if model.graph.node:
        node = pick(rng, model.graph.node)
        if rng.random() < 0.5:
            node.op_type = pick(rng, ("Loop", "Scan", "NoSuchOp", "", "If", "Relu\n"))
        else:
            node.domain = pick(rng, ("com.microsoft", "qonnx.custom_op.general", "x\ny"))


PROTO_MUTATIONS: dict[str, Callable] = {
    "remove_node": m_remove_node,
    "duplicate_node": m_duplicate_node,
    "dangling_name": m_dangling_input,
    "cycle": m_cycle,
    "absurd_dims": m_absurd_dims,
    "absurd_attribute": m_absurd_attribute,
    "wrong_dtype": m_wrong_dtype,
    "initializer_size": m_initializer_size,
    "external_data": m_external_data,
    "huge_shape": m_huge_shape,
    "hostile_name": m_hostile_name,
    "opset": m_opset,
    "unknown_op": m_unknown_op,
}


def byte_flips(data: bytes, rng) -> bytes:
    buf = bytearray(data)
    for _ in range(int(rng.integers(1, 9))):
        if buf:
            buf[int(rng.integers(len(buf)))] ^= 1 << int(rng.integers(8))
    return bytes(buf)


def truncate(data: bytes, rng) -> bytes:
    return data[: int(rng.integers(len(data)))] if data else data


def non_utf8_name(data: bytes, model: onnx.ModelProto, rng) -> bytes:
    """Replace one name's bytes in the serialized model with invalid UTF-8 of the same length."""
    names = sorted({n for n in _all_names(model) if len(n.encode()) >= 2})
    if not names:
        return data
    raw = pick(rng, names).encode()
    bad = bytes([0xFF, 0xC3] + [0x28] * (len(raw) - 2))
    return data.replace(raw, bad)


BYTE_MUTATIONS = ("byte_flip", "truncate", "non_utf8_name")
MUTATIONS = tuple(PROTO_MUTATIONS) + BYTE_MUTATIONS
