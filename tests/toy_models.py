"""Small ONNX models the tests build on the fly (seeded, no training)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def save_graph(
    path: Path,
    name: str,
    nodes: list[onnx.NodeProto],
    inputs: dict[str, list[int]],
    outputs: dict[str, list[int]],
    initializers: list[onnx.TensorProto] = (),
) -> str:
    """An opset-17 float model of `nodes` (inputs and outputs by name and shape) saved at
    `path`; returns the path as text."""
    graph = helper.make_graph(
        nodes,
        name,
        [helper.make_tensor_value_info(k, TensorProto.FLOAT, s) for k, s in inputs.items()],
        [helper.make_tensor_value_info(k, TensorProto.FLOAT, s) for k, s in outputs.items()],
        list(initializers),
    )
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    return str(path)


def mlp_onnx(path: Path, sizes: tuple[int, ...] = (24, 48, 40, 7), seed: int = 0) -> Path:
    """A fully connected ReLU network `sizes[0] → … → sizes[-1]` (Gemm + Relu, no ReLU after
    the last layer) with seeded random weights, input `x` and output `logits`."""
    rng = np.random.default_rng(seed)
    nodes, inits = [], []
    current = "x"
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        w = (rng.standard_normal((n_out, n_in)) / np.sqrt(n_in)).astype(np.float32)
        b = (0.1 * rng.standard_normal(n_out)).astype(np.float32)
        inits += [numpy_helper.from_array(w, f"fc{i}_w"), numpy_helper.from_array(b, f"fc{i}_b")]
        last = i == len(sizes) - 2
        out = "logits" if last else f"fc{i}_y"
        nodes.append(
            helper.make_node(
                "Gemm", [current, f"fc{i}_w", f"fc{i}_b"], [out], transB=1, name=f"fc{i}"
            )
        )
        if not last:
            nodes.append(helper.make_node("Relu", [out], [f"relu{i}_y"], name=f"relu{i}"))
            out = f"relu{i}_y"
        current = out
    graph = helper.make_graph(
        nodes,
        "mlp_" + "_".join(str(s) for s in sizes),
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, sizes[0]])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, sizes[-1]])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, path)
    return path


def mlp_inputs(
    sizes: tuple[int, ...] = (24, 48, 40, 7), count: int = 64, seed: int = 1
) -> np.ndarray:
    """Seeded calibration / test inputs for `mlp_onnx`."""
    return np.random.default_rng(seed).standard_normal((count, sizes[0])).astype(np.float32)


def encoder_onnx(
    path: Path, seq: int = 4, d_model: int = 8, heads: int = 2, d_ff: int = 16, seed: int = 0
) -> Path:
    """One post-norm transformer encoder layer (batch first, input `x` of 1 × seq × d_model,
    output `y`): a position embedding (a constant added per element), multi-head
    self-attention (Q·K^T, Softmax, A·V between activations),
    residual adds, LayerNormalization, a ReLU feed-forward, seeded random weights."""
    rng = np.random.default_rng(seed)
    dh = d_model // heads
    inits: list = []
    nodes: list = []

    def const(name: str, data) -> str:
        inits.append(numpy_helper.from_array(np.asarray(data), name))
        return name

    def node(op: str, ins: list[str], out: str, **attrs) -> str:
        nodes.append(helper.make_node(op, ins, [out], name=out, **attrs))
        return out

    def linear(name: str, x: str, n_in: int, n_out: int) -> str:
        w = const(f"{name}_w", (rng.standard_normal((n_in, n_out)) / np.sqrt(n_in)).astype("f4"))
        b = const(f"{name}_b", (0.1 * rng.standard_normal(n_out)).astype(np.float32))
        return node("Add", [node("MatMul", [x, w], f"{name}_mm"), b], name)

    def layernorm(name: str, x: str) -> str:
        scale = const(f"{name}_scale", (1 + 0.2 * rng.standard_normal(d_model)).astype("f4"))
        bias = const(f"{name}_bias", (0.1 * rng.standard_normal(d_model)).astype(np.float32))
        return node("LayerNormalization", [x, scale, bias], name, axis=-1, epsilon=1e-5)

    heads_shape = const("heads_shape", np.asarray([1, seq, heads, dh], np.int64))
    flat_shape = const("flat_shape", np.asarray([1, seq, d_model], np.int64))
    position = (0.1 * rng.standard_normal((1, seq, d_model))).astype(np.float32)
    x = node("Add", ["x", const("position", position)], "x_pos")
    split = {}
    for part in ("q", "k", "v"):
        proj = node("Reshape", [linear(part, x, d_model, d_model), heads_shape], f"{part}_4d")
        perm = (0, 2, 3, 1) if part == "k" else (0, 2, 1, 3)
        split[part] = node("Transpose", [proj], f"{part}_heads", perm=perm)
    scores = node("MatMul", [split["q"], split["k"]], "scores")
    scaled = node("Mul", [scores, const("scale", np.float32(dh**-0.5))], "scaled")
    attn = node("Softmax", [scaled], "attn", axis=-1)
    context = node("MatMul", [attn, split["v"]], "context")
    merged = node("Transpose", [context], "merged", perm=(0, 2, 1, 3))
    flat = node("Reshape", [merged, flat_shape], "context_flat")
    res1 = node("Add", [x, linear("out", flat, d_model, d_model)], "res1")
    norm1 = layernorm("norm1", res1)
    hidden = node("Relu", [linear("ff1", norm1, d_model, d_ff)], "ff_relu")
    res2 = node("Add", [norm1, linear("ff2", hidden, d_ff, d_model)], "res2")
    layernorm("y", res2)
    graph = helper.make_graph(
        nodes,
        "encoder",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, seq, d_model])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, seq, d_model])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, path)
    return path


def cnn_softmax_onnx(path: Path) -> Path:
    """The bundled digits CNN (examples/models/digits_cnn.onnx) with a Softmax over its
    logits appended: input `x` [N, 1, 8, 8], output `probs` [N, 10]."""
    models = Path(__file__).resolve().parents[1] / "examples" / "models"
    model = onnx.load(models / "digits_cnn.onnx")
    graph = model.graph
    logits = graph.output[0].name
    graph.node.append(helper.make_node("Softmax", [logits], ["probs"], axis=-1, name="softmax"))
    shape = [d.dim_param or d.dim_value for d in graph.output[0].type.tensor_type.shape.dim]
    del graph.output[:]
    graph.output.append(helper.make_tensor_value_info("probs", TensorProto.FLOAT, shape))
    onnx.checker.check_model(model)
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, path)
    return path
