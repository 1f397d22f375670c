"""Conformance: classic model-zoo CNNs in older-opset ONNX exports.

Small faithful versions of AlexNet, VGG, ResNet, DenseNet, Inception,
SqueezeNet, ShuffleNet and MobileNet v1/v2 (tests/frontend/zoo_models.py) are
exported with the TorchScript exporter in the three flavours that model-zoo
files come in:

- ``opset9-inputs``: opset 9, weights listed as graph inputs with initializers,
  no constant folding (Shape→Gather→Unsqueeze→Concat→Reshape chains kept);
- ``opset11-bn``: opset 11, no constant folding, BatchNormalization nodes kept;
- ``opset13``: opset 13 with the exporter's defaults.

`fpgaforge.load` + `fpgaforge.execute` must match onnxruntime (and torch)
within rtol 1e-4 / atol 1e-5 on a batch of 3, and the imported graphs must be
clean: shape plumbing folded away and BatchNorm folded into the convs.
Hand-built models cover weights computed by constant subgraphs and `If` nodes
with foldable conditions.
"""

from __future__ import annotations

import functools
import io
import warnings
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch
from onnx import TensorProto, helper, numpy_helper
from torch import nn

import fpgaforge
from fpgaforge.errors import UnsupportedOpError
from fpgaforge.ir.graph import Graph
from tests.frontend.zoo_models import ZOO, ZOO_BY_NAME, ZooModel, build

pytestmark = pytest.mark.conformance

RTOL, ATOL = 1e-4, 1e-5
BATCH = 3

FLAVOURS: dict[str, dict[str, Any]] = {
    "opset9-inputs": {
        "opset_version": 9,
        "keep_initializers_as_inputs": True,
        "do_constant_folding": False,
    },
    "opset11-bn": {
        "opset_version": 11,
        "do_constant_folding": False,
        # eval-mode model + PRESERVE: the BatchNormalization nodes stay in the file
        "training": torch.onnx.TrainingMode.PRESERVE,
    },
    "opset13": {"opset_version": 13},
}


@functools.cache
def _exported(name: str, flavour: str) -> tuple[nn.Module, torch.Tensor, bytes | str]:
    """The built network, its input batch and its export (or torch's failure reason).

    Cached: exporting dominates this file's run time and several tests need
    the same file.
    """
    net, x = build(ZOO_BY_NAME[name], batch=BATCH)
    buffer = io.BytesIO()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                net,
                (x,),
                buffer,
                dynamo=False,
                input_names=["x"],
                output_names=["y"],
                dynamic_axes={"x": {0: "N"}, "y": {0: "N"}},
                **FLAVOURS[flavour],
            )
    except Exception as exc:  # noqa: BLE001 - any export failure is torch's
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        return (
            net,
            x,
            (
                f"torch {torch.__version__} cannot export this model ({flavour}): "
                f"{type(exc).__name__}: {first_line}"
            ),
        )
    return net, x, buffer.getvalue()


def run_ort(proto: onnx.ModelProto, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Run onnxruntime on the CPU (quietly: opset-9 files trigger initializer warnings)."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.log_severity_level = 3
    session = ort.InferenceSession(
        proto.SerializeToString(), options, providers=["CPUExecutionProvider"]
    )
    names = [o.name for o in session.get_outputs()]
    return dict(zip(names, session.run(names, feeds), strict=True))


def load_zoo(model: ZooModel, flavour: str, bind_batch: bool = False) -> tuple[Graph, Any]:
    """Export (skipping with torch's reason when it cannot) and import one architecture.

    Returns the graph and (net, x, proto).
    """
    net, x, exported = _exported(model.name, flavour)
    if isinstance(exported, str):
        pytest.skip(exported)
    proto = onnx.load_from_string(exported)
    proto.ir_version = min(proto.ir_version, 10)  # onnxruntime 1.31 reads IR <= 10
    shapes = {"x": tuple(x.shape)} if bind_batch else None
    return fpgaforge.load(proto, input_shapes=shapes), (net, x, proto)


# --------------------------------------------------------------------------------------
# Numerical conformance
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("flavour", list(FLAVOURS))
@pytest.mark.parametrize("model", ZOO, ids=[m.name for m in ZOO])
def test_zoo_model_matches_onnxruntime(model: ZooModel, flavour: str) -> None:
    """An unbound batch imports as 1 and still runs a batch of 3 like onnxruntime and torch."""
    graph, (net, x, proto) = load_zoo(model, flavour)
    feeds = {"x": x.numpy()}
    got = fpgaforge.execute(graph, feeds)
    want = run_ort(proto, feeds)
    assert set(got) == set(want) == {"y"}
    assert got["y"].shape == want["y"].shape == (BATCH, 10)
    np.testing.assert_allclose(
        got["y"], want["y"], rtol=RTOL, atol=ATOL, err_msg=f"{model.name} [{flavour}] vs ORT"
    )
    with torch.no_grad():
        expected = net(x).numpy()
    np.testing.assert_allclose(
        got["y"], expected, rtol=RTOL, atol=ATOL, err_msg=f"{model.name} [{flavour}] vs torch"
    )


# --------------------------------------------------------------------------------------
# Clean imported graphs
# --------------------------------------------------------------------------------------

_WEIGHTED = ("Conv", "DepthwiseConv", "Dense")


def _torch_layers(net: nn.Module) -> tuple[int, int]:
    """How many convolutions and linear layers the torch network has."""
    convs = sum(isinstance(m, nn.Conv2d) for m in net.modules())
    linears = sum(isinstance(m, nn.Linear) for m in net.modules())
    return convs, linears


@pytest.mark.parametrize("flavour", ["opset9-inputs", "opset11-bn"])
@pytest.mark.parametrize("model", ZOO, ids=[m.name for m in ZOO])
def test_zoo_graph_is_clean(model: ZooModel, flavour: str) -> None:
    """Shape arithmetic folds away, BN folds into the convs, weights become constants."""
    graph, (net, x, _) = load_zoo(model, flavour, bind_batch=True)
    ops = [n.op for n in graph.nodes]
    where = f"{model.name} [{flavour}]: {ops}"

    # only the data input is a graph input (the weights listed as inputs are constants)
    assert [v.name for v in graph.inputs] == ["x"], where
    # no shape plumbing: nothing computes on integers or on constants only
    assert "Gather" not in ops and "Cast" not in ops, where
    # zero Pads (opset-9 count_include_pad pools) live in the pools' own pads
    assert "Pad" not in ops, where
    for node in graph.nodes:
        assert not all(v is None or v.is_constant for v in node.inputs), (
            f"{where}: {node.op} node {node.name!r} has only constant inputs"
        )
        for value in node.outputs:
            assert np.dtype(value.dtype).kind == "f", f"{where}: {value.name} is {value.dtype}"
        if node.op == "Concat":
            assert all(v is not None and not v.is_constant for v in node.inputs), where
    # BN folded: no Affine directly after a conv or linear layer
    for node in graph.nodes:
        if node.op == "Affine":
            producer = node.inputs[0].producer
            assert producer is None or producer.op not in _WEIGHTED, (
                f"{where}: BatchNorm {node.name!r} after {producer.name!r} was not folded"
            )
    # every conv and linear layer is one node, with no extra ones
    convs, linears = _torch_layers(net)
    assert ops.count("Conv") + ops.count("DepthwiseConv") == convs, where
    assert ops.count("Dense") == linears, where
    assert "MatMul" not in ops, where
    # torch's decomposed local_response_norm is one LRN again
    lrns = sum(isinstance(m, nn.LocalResponseNorm) for m in net.modules())
    assert ops.count("LRN") == lrns, where
    assert lrns == 0 or not {"Pow", "Div"} & set(ops), where


@pytest.mark.parametrize("flavour", list(FLAVOURS))
def test_vgg_flatten_is_one_reshape(flavour: str) -> None:
    """`x.view(x.size(0), -1)` (Shape→Gather→Unsqueeze→Concat→Reshape) becomes one Reshape."""
    graph, (_, x, proto) = load_zoo(ZOO_BY_NAME["vgg_bn"], flavour, bind_batch=True)
    assert {"Shape", "Gather", "Concat"} <= {n.op_type for n in proto.graph.node} or (
        flavour == "opset13"
    )
    reshapes = [n for n in graph.nodes if n.op == "Reshape"]
    assert len(reshapes) == 1
    assert reshapes[0].attrs["shape"] == (BATCH, 24 * 4 * 4)
    assert reshapes[0].inputs[0].producer.op == "Pool"
    assert [n.op for n in graph.nodes].count("Affine") == 0


# --------------------------------------------------------------------------------------
# Hand-built models: weights from constant subgraphs, If with a foldable condition
# --------------------------------------------------------------------------------------

_RNG = np.random.default_rng(0)


def _model(
    nodes: list[onnx.NodeProto], opset: int, y_shape: list[int], **graph_kwargs: Any
) -> onnx.ModelProto:
    """A checked model with float input x (2, 3, 8, 8) and float output y of `y_shape`."""
    graph = helper.make_graph(
        nodes,
        "hand_built",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, y_shape)],
        **graph_kwargs,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 7
    onnx.checker.check_model(model)
    return model


def _check_against_ort(model: onnx.ModelProto) -> Graph:
    graph = fpgaforge.load(model)
    x = _RNG.normal(size=(2, 3, 8, 8)).astype(np.float32)
    np.testing.assert_allclose(
        fpgaforge.execute(graph, {"x": x})["y"],
        run_ort(model, {"x": x})["y"],
        rtol=RTOL,
        atol=ATOL,
    )
    return graph


def _const(name: str, array: np.ndarray) -> onnx.NodeProto:
    return helper.make_node("Constant", [], [name], value=numpy_helper.from_array(array, name))


@pytest.mark.parametrize("opset", [9, 11, 13])
def test_conv_weight_from_constant_identity_reshape(opset: int) -> None:
    """Conv weight = Reshape(Identity(Constant)); the shape is a Constant too (opset ≥ 5 form)."""
    flat = _RNG.normal(size=4 * 3 * 3 * 3).astype(np.float32)
    nodes = [
        _const("w_flat", flat),
        helper.make_node("Identity", ["w_flat"], ["w_id"]),
        _const("w_shape", np.array([4, 3, 3, 3], np.int64)),
        helper.make_node("Reshape", ["w_id", "w_shape"], ["w"]),
        _const("b", _RNG.normal(size=4).astype(np.float32)),
        helper.make_node("Conv", ["x", "w", "b"], ["c"], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c"], ["y"]),
    ]
    graph = _check_against_ort(_model(nodes, opset, [2, 4, 8, 8]))
    assert [n.op for n in graph.nodes] == ["Conv", "Activation"]
    weight = graph.nodes[0].inputs[1]
    assert weight.is_constant and weight.shape == (4, 3, 3, 3)
    np.testing.assert_array_equal(weight.const.reshape(-1), flat)


@pytest.mark.parametrize("opset", [9, 13])
def test_conv_weight_from_mul_of_constants(opset: int) -> None:
    """Conv weight = Mul(Constant, initializer listed as an input) folds into one constant."""
    base = _RNG.normal(size=(6, 3, 1, 1)).astype(np.float32)
    scale = _RNG.uniform(0.5, 1.5, size=(6, 1, 1, 1)).astype(np.float32)
    nodes = [
        _const("base", base),
        helper.make_node("Mul", ["base", "scale"], ["w"]),
        helper.make_node("Conv", ["x", "w"], ["c"], strides=[2, 2]),
        helper.make_node("Sigmoid", ["c"], ["y"]),
    ]
    model = _model(
        nodes,
        opset,
        [2, 6, 4, 4],
        initializer=[numpy_helper.from_array(scale, "scale")],
    )
    # old exporters list initializers among the inputs too
    model.graph.input.append(helper.make_tensor_value_info("scale", TensorProto.FLOAT, scale.shape))
    graph = _check_against_ort(model)
    assert [n.op for n in graph.nodes] == ["Conv", "Activation"]
    assert [v.name for v in graph.inputs] == ["x"]
    np.testing.assert_allclose(graph.nodes[0].inputs[1].const, base * scale)


@pytest.mark.parametrize("opset", [9, 11])
def test_shape_chain_folds_at_old_opsets(opset: int) -> None:
    """Shape→Gather→Unsqueeze(axes attribute)→Concat→Reshape folds at opsets < 13."""
    nodes = [
        helper.make_node("Shape", ["x"], ["s"]),
        _const("zero", np.array(0, np.int64)),
        helper.make_node("Gather", ["s", "zero"], ["n"], axis=0),
        helper.make_node("Unsqueeze", ["n"], ["n1"], axes=[0]),
        _const("rest", np.array([-1], np.int64)),
        helper.make_node("Concat", ["n1", "rest"], ["target"], axis=0),
        helper.make_node("Reshape", ["x", "target"], ["y"]),
    ]
    graph = _check_against_ort(_model(nodes, opset, [2, 192]))
    assert [(n.op, n.attrs["shape"]) for n in graph.nodes] == [("Reshape", (2, 192))]


def _if_model(cond_from_shape: bool) -> onnx.ModelProto:
    """y = If(cond, then: Relu(x), else: Neg(x)); cond from Shape(x)[0] == 2 or from x itself."""
    then_graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["then_y"])],
        "then",
        [],
        [helper.make_tensor_value_info("then_y", TensorProto.FLOAT, [2, 3, 8, 8])],
    )
    else_graph = helper.make_graph(
        [helper.make_node("Neg", ["x"], ["else_y"])],
        "else",
        [],
        [helper.make_tensor_value_info("else_y", TensorProto.FLOAT, [2, 3, 8, 8])],
    )
    if cond_from_shape:
        cond_nodes = [
            helper.make_node("Shape", ["x"], ["s"]),
            _const("one", np.array([1], np.int64)),
            helper.make_node("Gather", ["s", "one"], ["c"], axis=0),
            _const("three", np.array([3], np.int64)),
            helper.make_node("Equal", ["c", "three"], ["eq"]),
            _const("zero", np.array([0], np.int64)),
            helper.make_node("Gather", ["eq", "zero"], ["cond"], axis=0),
        ]
    else:
        cond_nodes = [
            helper.make_node("ReduceMax", ["x"], ["m"], keepdims=0),
            helper.make_node("Cast", ["m"], ["cond"], to=TensorProto.BOOL),
        ]
    nodes = [
        *cond_nodes,
        helper.make_node("If", ["cond"], ["y"], then_branch=then_graph, else_branch=else_graph),
    ]
    return _model(nodes, 11, [2, 3, 8, 8])


def test_if_with_constant_condition_inlines_the_taken_branch() -> None:
    """torch's guarded squeeze: an If whose condition is shape arithmetic becomes its branch."""
    graph = _check_against_ort(_if_model(cond_from_shape=True))
    assert [(n.op, n.attrs.get("func")) for n in graph.nodes] == [("Activation", "relu")]


def test_if_with_runtime_condition_is_a_clear_error() -> None:
    with pytest.raises(UnsupportedOpError, match="condition is computed at run time"):
        fpgaforge.load(_if_model(cond_from_shape=False))
