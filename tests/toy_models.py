"""Small ONNX models the tests build on the fly (seeded, no training)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


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
