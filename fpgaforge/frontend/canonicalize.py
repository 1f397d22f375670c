"""Canonicalization: rewrite imported graphs into fpgaforge's preferred forms.

Rules (each a declarative `Rewrite`: match, check with a reason, rewrite):
- fold an `Affine` (an unfolded BatchNorm) into the Conv/Dense before it;
- fold a constant `Add` after a bias-free Dense/Conv into its bias;
- `x * sigmoid(x)` → SiLU, `x * hard_sigmoid(x)` → HardSwish;
- the erf form of GELU `0.5·x·(1 + erf(x/√2))` and its tanh form
  `0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³)))` → GELU (approximate 'none' / 'tanh');
- the decomposed LayerNorm of older exports → LayerNorm;
- torch's decomposed local_response_norm → LRN;
- a zero `Pad` before a Conv or an average Pool → the layer's own pads;
then dead nodes are dropped.
"""

from __future__ import annotations

import math

import numpy as np

from fpgaforge.ir.graph import Graph
from fpgaforge.ir.node import Node
from fpgaforge.ir.ops.registry import Trait, ops_with
from fpgaforge.ir.passes import FunctionPass, PassManager, Rewrite, single_user
from fpgaforge.ir.value import Value

_WEIGHTED = ops_with(Trait.WEIGHTED)


def _replace(graph: Graph, old: Value, new: Value) -> None:
    """Route users of `old` to `new`; `new` takes `old`'s name (the name the user knows)."""
    name = old.name
    graph.replace_uses(old, new)
    graph.rename_value(old, f"{name}__replaced")
    graph.rename_value(new, name)


def _swap(
    graph: Graph,
    old: list[Node],
    op: str,
    inputs: list[Value | None],
    template: Node,
    attrs: dict | None = None,
    result: Value | None = None,
) -> Node:
    """Replace the matched nodes `old` by one `op` node named like `template`.

    `result` is the value the new node stands for (default: `old[0]`'s output).
    """
    fused = graph.add_node(
        op,
        inputs,
        name=f"{template.name}__fused",
        source=template.source,
        attrs=template.attrs if attrs is None else attrs,
    )
    _replace(graph, result if result is not None else old[0].outputs[0], fused.outputs[0])
    graph.remove_dead_nodes()
    graph.rename_node(fused, template.name)
    graph.toposort()
    return fused


def _const(value: Value | None) -> np.ndarray | None:
    return None if value is None else value.const


def _other(node: Node, value: Value) -> Value | None:
    a, b = node.inputs[0], node.inputs[1]
    if a is value:
        return b
    if b is value:
        return a
    return None


def _scalar(value: Value | None) -> float | None:
    data = _const(value)
    if data is None or data.size != 1:
        return None
    return float(data.reshape(-1)[0])


def _producer(value: Value | None, op: str, func: str | None = None) -> Node | None:
    if value is None or value.producer is None or value.producer.op != op:
        return None
    if func is not None and value.producer.attrs.get("func") != func:
        return None
    return value.producer


# ---- Affine (BatchNorm) folding ------------------------------------------------
def _affine_match(graph: Graph, node: Node) -> bool:
    source = node.inputs[0]
    return (
        node.op == "Affine"
        and source is not None
        and source.producer is not None
        and source.producer.op in _WEIGHTED
    )


def _affine_check(graph: Graph, node: Node) -> str | None:
    producer = node.inputs[0].producer
    assert producer is not None
    if single_user(graph, producer) is not node:
        return "the layer's output has other users"
    if producer.inputs[1] is None or not producer.inputs[1].is_constant:
        return "the layer's weights are not constant"
    bias = producer.input(2)
    if bias is not None and not bias.is_constant:
        return "the layer's bias is not constant"
    if not (node.inputs[1].is_constant and node.inputs[2].is_constant):
        return "the BatchNorm parameters are not constant"
    out_axis = 1 if producer.op != "Dense" else producer.outputs[0].rank - 1
    if node.attrs["axis"] != out_axis:
        return f"BatchNorm normalizes axis {node.attrs['axis']}, the layer's channels are axis {out_axis}"
    return None


def _affine_rewrite(graph: Graph, node: Node) -> None:
    producer = node.inputs[0].producer
    assert producer is not None
    scale = np.asarray(node.inputs[1].const, np.float64).reshape(-1)
    shift = np.asarray(node.inputs[2].const, np.float64).reshape(-1)
    weight = np.asarray(producer.inputs[1].const)
    channels = weight.shape[0]
    scale = np.broadcast_to(scale, (channels,))
    shift = np.broadcast_to(shift, (channels,))
    bias_value = producer.input(2)
    bias = (
        np.zeros(channels)
        if bias_value is None
        else np.asarray(bias_value.const, np.float64).reshape(-1)
    )
    new_weight = (
        weight.astype(np.float64) * scale.reshape((channels,) + (1,) * (weight.ndim - 1))
    ).astype(weight.dtype)
    new_bias = (bias * scale + shift).astype(weight.dtype)
    inputs = [
        producer.inputs[0],
        graph.add_constant(f"{producer.name}_weight", new_weight),
        graph.add_constant(f"{producer.name}_bias", new_bias),
    ]
    _swap(graph, [node, producer], producer.op, inputs, producer)


FOLD_AFFINE = Rewrite("fold-batchnorm", _affine_match, _affine_check, _affine_rewrite)


# ---- constant Add after a bias-free layer → bias -----------------------------------
def _bias_match(graph: Graph, node: Node) -> bool:
    if node.op != "Add":
        return False
    return any(
        v is not None and v.producer is not None and v.producer.op in _WEIGHTED for v in node.inputs
    )


def _bias_layer(node: Node) -> tuple[Node, Value] | None:
    for value in node.inputs:
        if value is not None and value.producer is not None and value.producer.op in _WEIGHTED:
            other = _other(node, value)
            if other is not None and other.is_constant:
                return value.producer, other
    return None


def _bias_vector(layer: Node, other: Value) -> np.ndarray | None:
    data = np.asarray(other.const)
    out = layer.outputs[0]
    channels = layer.inputs[1].shape[0] if layer.inputs[1] is not None else 0
    if layer.op == "Dense":
        if data.size in (1, channels) and (
            data.ndim <= 1 or data.shape[:-1] == (1,) * (data.ndim - 1)
        ):
            return np.broadcast_to(data.reshape(-1), (channels,))
        return None
    expected = [1] * out.rank
    expected[1] = channels
    if data.ndim == out.rank - 1:
        data = data.reshape((1,) + data.shape)
    if (
        data.ndim == out.rank
        and all(d in (1, e) for d, e in zip(data.shape, expected, strict=True))
        and all(d == 1 for i, d in enumerate(data.shape) if i != 1)
    ):
        return np.broadcast_to(data.reshape(-1), (channels,))
    return None


def _bias_check(graph: Graph, node: Node) -> str | None:
    found = _bias_layer(node)
    if found is None:
        return "the other operand is not constant"
    layer, other = found
    if layer.input(2) is not None:
        return "the layer already has a bias"
    if single_user(graph, layer) is not node:
        return "the layer's output has other users"
    if layer.inputs[1] is None or not layer.inputs[1].is_constant:
        return "the layer's weights are not constant"
    if _bias_vector(layer, other) is None:
        return f"the constant of shape {other.shape} is not a per-channel bias"
    if node.outputs[0].shape != layer.outputs[0].shape:
        return "the Add broadcasts the layer's output to a larger shape"
    return None


def _bias_rewrite(graph: Graph, node: Node) -> None:
    layer, other = _bias_layer(node)  # type: ignore[misc]
    vector = _bias_vector(layer, other)
    weight = layer.inputs[1]
    bias = graph.add_constant(f"{layer.name}_bias", np.asarray(vector, dtype=weight.const.dtype))
    _swap(graph, [node, layer], layer.op, [layer.inputs[0], weight, bias], layer)


FOLD_BIAS = Rewrite("fold-bias-add", _bias_match, _bias_check, _bias_rewrite)


# ---- x * f(x) activations -------------------------------------------------------
def _gated(func: str, result: str, params: dict | None = None) -> Rewrite:
    def gate(node: Node) -> tuple[Value, Node] | None:
        if node.op != "Mul":
            return None
        for value in node.inputs:
            act = _producer(value, "Activation", func)
            if (
                act is not None
                and _other(node, value) is act.inputs[0]
                and act.inputs[0] is not value
            ):
                if params and any(
                    not math.isclose(act.attrs[k], v, rel_tol=1e-6) for k, v in params.items()
                ):
                    continue
                return act.inputs[0], act
        return None

    def check(graph: Graph, node: Node) -> str | None:
        x, act = gate(node)  # type: ignore[misc]
        return None if single_user(graph, act) is node else f"the {func} output has other users"

    def rewrite(graph: Graph, node: Node) -> None:
        x, act = gate(node)  # type: ignore[misc]
        _swap(graph, [node, act], "Activation", [x], node, {"func": result})

    return Rewrite(
        f"fuse-{result.replace('_', '-')}", lambda g, n: gate(n) is not None, check, rewrite
    )


FUSE_SILU = _gated("sigmoid", "silu")
FUSE_HARD_SWISH = _gated("hard_sigmoid", "hard_swish", {"alpha": 1.0 / 6.0, "beta": 0.5})


# ---- GELU in its erf and tanh forms ------------------------------------------------
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_GELU_CUBIC = 0.044715


def _is_scalar(value: Value | None, expected: float, rel_tol: float = 1e-6) -> bool:
    scalar = _scalar(value)
    return scalar is not None and math.isclose(scalar, expected, rel_tol=rel_tol)


def _scaled_by(value: Value | None, factor: float) -> tuple[Value, Node] | None:
    """Match `value = v · factor` (Mul either way round, or Div by 1/factor); (v, node)."""
    node = value.producer if value is not None else None
    if node is None:
        return None
    if node.op == "Mul":
        for operand in node.inputs:
            if _is_scalar(operand, factor, rel_tol=1e-4):
                other = _other(node, operand)
                if other is not None and not other.is_constant:
                    return other, node
    if node.op == "Div" and _is_scalar(node.inputs[1], 1.0 / factor, rel_tol=1e-4):
        return node.inputs[0], node
    return None


def _cube_of(value: Value | None) -> tuple[Value, list[Node]] | None:
    """Match `value = x³` as Pow(x, 3), x·(x·x) or (x·x)·x; returns (x, nodes)."""
    node = value.producer if value is not None else None
    if node is None:
        return None
    if node.op == "Pow" and _is_scalar(node.inputs[1], 3.0):
        return node.inputs[0], [node]
    if node.op != "Mul":
        return None
    for operand in node.inputs:
        square = _producer(operand, "Mul")
        x = _other(node, operand)
        if square is not None and x is not None and square.inputs[0] is x is square.inputs[1]:
            return x, [node, square]
    return None


def _erf_gelu_arg(inner: Node) -> tuple[Value, str, list[Node]] | None:
    """Match erf(x/√2) (or erf(x·(1/√2))) at `inner`; returns (x, 'none', nodes)."""
    if inner.op != "Activation" or inner.attrs.get("func") != "erf":
        return None
    scaled = _scaled_by(inner.inputs[0], 1.0 / math.sqrt(2.0))
    if scaled is None:
        return None
    x, scale_node = scaled
    return x, "none", [inner, scale_node]


def _tanh_gelu_arg(inner: Node) -> tuple[Value, str, list[Node]] | None:
    """Match tanh(√(2/π)·(x + 0.044715·x³)) at `inner`; returns (x, 'tanh', nodes)."""
    if inner.op != "Activation" or inner.attrs.get("func") != "tanh":
        return None
    scaled = _scaled_by(inner.inputs[0], _SQRT_2_OVER_PI)
    if scaled is None:
        return None
    poly, scale_node = scaled
    add = _producer(poly, "Add")
    if add is None:
        return None
    for term in add.inputs:
        x = _other(add, term)
        cubic = _scaled_by(term, _GELU_CUBIC)
        if x is None or cubic is None:
            continue
        cube = _cube_of(cubic[0])
        if cube is not None and cube[0] is x:
            return x, "tanh", [inner, scale_node, add, cubic[1], *cube[1]]
    return None


def _gelu_parts(node: Node) -> tuple[Value, str, list[Node]] | None:
    """Match 0.5·x·(1 + erf(x/√2)) or 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))) ending
    at `node` (a Mul) in any multiplication order; returns (x, approximate, nodes)."""
    if node.op != "Mul":
        return None
    factors, muls = _mul_chain(node)
    half = [f for f in factors if _is_scalar(f, 0.5)]
    adds = [f for f in factors if _producer(f, "Add") is not None]
    if len(half) != 1 or not adds:
        return None
    for add_value in adds:
        add = add_value.producer
        one = [v for v in add.inputs if _is_scalar(v, 1.0)]
        if len(one) != 1:
            continue
        inner = _other(add, one[0])
        if inner is None or inner.producer is None:
            continue
        found = _erf_gelu_arg(inner.producer) or _tanh_gelu_arg(inner.producer)
        if found is None:
            continue
        x, approximate, inner_nodes = found
        rest = [f for f in factors if f is not half[0] and f is not add_value]
        if len(rest) != 1 or rest[0] is not x:
            continue
        return x, approximate, [*muls, add, *inner_nodes]
    return None


def _mul_chain(node: Node) -> tuple[list[Value], list[Node]]:
    factors: list[Value] = []
    muls = [node]
    for value in node.inputs:
        inner = _producer(value, "Mul")
        if inner is not None and len(value.users) == 1 and len(muls) == 1:
            muls.append(inner)
            factors.extend(v for v in inner.inputs if v is not None)
        elif value is not None:
            factors.append(value)
    return factors, muls


def _gelu_check(graph: Graph, node: Node) -> str | None:
    x, approximate, parts = _gelu_parts(node)  # type: ignore[misc]
    inner = set(map(id, parts[1:]))
    for part in parts[1:]:
        for user in part.outputs[0].users:
            if id(user) not in inner and user is not node:
                return f"the intermediate {part.outputs[0].name!r} has other users"
        if part.outputs[0] in graph.outputs:
            return "an intermediate is a graph output"
    return None


def _gelu_rewrite(graph: Graph, node: Node) -> None:
    x, approximate, parts = _gelu_parts(node)  # type: ignore[misc]
    attrs = {"func": "gelu", "approximate": approximate}
    _swap(graph, [node, *parts], "Activation", [x], node, attrs)


FUSE_GELU = Rewrite(
    "fuse-gelu", lambda g, n: _gelu_parts(n) is not None, _gelu_check, _gelu_rewrite
)


# ---- zero Pad before a conv or average pool → the layer's pads -----------------------
_PADDED = ops_with(Trait.WINDOWED)


def _pad_match(graph: Graph, node: Node) -> bool:
    return node.op in _PADDED and _producer(node.inputs[0], "Pad") is not None


def _pad_check(graph: Graph, node: Node) -> str | None:
    pad = node.inputs[0].producer
    assert pad is not None
    if single_user(graph, pad) is not node:
        return "the Pad output has other users"
    if pad.attrs["mode"] != "constant" or pad.attrs["value"] != 0.0:
        return f"the Pad is {pad.attrs['mode']} with value {pad.attrs['value']}, not zeros"
    pads = tuple(pad.attrs["pads"])
    rank = len(pads) // 2
    if any(pads[i] for i in (0, 1, rank, rank + 1)):
        return "the Pad pads the batch or channel axis"
    if any(p < 0 for p in pads):
        return "the Pad crops (negative pads)"
    if node.op == "Pool":
        if node.attrs["kind"] != "avg":
            return f"zero padding is not neutral for a {node.attrs['kind']} pool"
        if any(node.attrs["pads"] or ()) and not node.attrs["count_include_pad"]:
            return "the pool has its own pads that it leaves out of the average"
        if node.attrs["ceil_mode"]:
            return "a ceil_mode pool may keep a window that starts in the Pad's right padding"
    return None


def _pad_rewrite(graph: Graph, node: Node) -> None:
    pad = node.inputs[0].producer
    assert pad is not None
    pads = tuple(pad.attrs["pads"])
    rank = len(pads) // 2
    spatial = rank - 2
    own = tuple(node.attrs["pads"] or (0,) * (2 * spatial))
    merged = tuple(own[i] + pads[2 + i] for i in range(spatial)) + tuple(
        own[spatial + i] + pads[rank + 2 + i] for i in range(spatial)
    )
    attrs = {**node.attrs, "pads": merged}
    if node.op == "Pool":
        attrs["count_include_pad"] = True  # the padded zeros were part of the average
    _swap(graph, [node, pad], node.op, [pad.inputs[0], *node.inputs[1:]], node, attrs)


FOLD_PAD = Rewrite("fold-pad", _pad_match, _pad_check, _pad_rewrite)


# ---- decomposed LocalResponseNorm ------------------------------------------------------
def _lrn_parts(node: Node) -> dict | None:
    """Match torch's local_response_norm: x / (avg_c(x²)·alpha + k)^beta ending at a Div.

    The channel average is Reshape(x², (N, 1, C, H, W)) → [zero Pad on axis 2] →
    3-D average Pool with kernel (size, 1, 1) → Reshape back to x's shape.
    """
    if node.op != "Div":
        return None
    x, denom = node.inputs[0], node.inputs[1]
    power = _producer(denom, "Pow")
    if x is None or x.rank != 4 or power is None or _scalar(power.inputs[1]) is None:
        return None
    add = _producer(power.inputs[0], "Add")
    if add is None:
        return None
    k_values = [v for v in add.inputs if _scalar(v) is not None]
    if len(k_values) != 1:
        return None
    scaled = _other(add, k_values[0])
    mul = _producer(scaled, "Mul")
    if mul is None:
        return None
    alpha_values = [v for v in mul.inputs if _scalar(v) is not None]
    if len(alpha_values) != 1:
        return None
    back = _producer(_other(mul, alpha_values[0]), "Reshape")
    pool = _producer(back.inputs[0] if back else None, "Pool")
    if back is None or pool is None or pool.attrs["kind"] != "avg":
        return None
    pad = _producer(pool.inputs[0], "Pad")
    front = _producer((pad or pool).inputs[0], "Reshape")
    square = _producer(front.inputs[0] if front else None, "Mul")
    if front is None or square is None or not (square.inputs[0] is x is square.inputs[1]):
        return None
    n, c, h, w = x.shape
    if tuple(front.attrs["shape"]) != (n, 1, c, h, w) or back.outputs[0].shape != x.shape:
        return None
    size = pool.attrs["kernel"][0]
    if tuple(pool.attrs["kernel"]) != (size, 1, 1) or tuple(pool.attrs["strides"] or (1,) * 3) != (
        1,
        1,
        1,
    ):
        return None
    return {
        "x": x,
        "size": int(size),
        "alpha": _scalar(alpha_values[0]),
        "bias": _scalar(k_values[0]),
        "beta": _scalar(power.inputs[1]),
        "pad": pad,
        "pool": pool,
        "nodes": [node, power, add, mul, back, pool, *([pad] if pad else []), front, square],
    }


def _lrn_check(graph: Graph, node: Node) -> str | None:
    parts = _lrn_parts(node)
    assert parts is not None
    pool, pad, size = parts["pool"], parts["pad"], parts["size"]
    pool_pads = tuple(pool.attrs["pads"] or (0,) * 6)
    if any(pool_pads) and not pool.attrs["count_include_pad"]:
        return "the channel average leaves its padding out of the divisor"
    before, after = pool_pads[0], pool_pads[3]
    if any(pool_pads[i] for i in (1, 2, 4, 5)):
        return "the channel average pads the spatial axes"
    if pad is not None:
        if pad.attrs["mode"] != "constant" or pad.attrs["value"] != 0.0:
            return "the channel padding is not zeros"
        pads = tuple(pad.attrs["pads"])
        if any(p for i, p in enumerate(pads) if i not in (2, 7)):
            return "the Pad pads other axes than the channels"
        before, after = before + pads[2], after + pads[7]
    if (before, after) != ((size - 1) // 2, size - 1 - (size - 1) // 2):
        return f"the channel window pads ({before}, {after}) differ from ONNX LRN's for size {size}"
    return _intermediates_private(graph, parts["nodes"])


def _lrn_rewrite(graph: Graph, node: Node) -> None:
    parts = _lrn_parts(node)
    assert parts is not None
    attrs = {
        "size": parts["size"],
        "alpha": parts["alpha"],
        "beta": parts["beta"],
        "bias": parts["bias"],
    }
    _swap(graph, parts["nodes"], "LRN", [parts["x"]], node, attrs)


FUSE_LRN = Rewrite("fuse-lrn", lambda g, n: _lrn_parts(n) is not None, _lrn_check, _lrn_rewrite)


# ---- decomposed LayerNorm --------------------------------------------------------------
def _layernorm_parts(node: Node) -> dict | None:
    """Match (x − mean(x)) / sqrt(mean((x − mean(x))²) + eps) [· γ] [+ β] ending at a Div."""
    if node.op != "Div":
        return None
    centered, denom = node.inputs[0], node.inputs[1]
    sub = _producer(centered, "Sub")
    sqrt = _producer(denom, "Activation", "sqrt")
    if sub is None or sqrt is None:
        return None
    x, mean_value = sub.inputs[0], sub.inputs[1]
    mean = _producer(mean_value, "Reduce")
    if (
        mean is None
        or mean.attrs["kind"] != "mean"
        or mean.inputs[0] is not x
        or not mean.attrs["keepdims"]
    ):
        return None
    axes = mean.attrs["axes"]
    if axes is None or x is None or tuple(axes) != tuple(range(x.rank - len(axes), x.rank)):
        return None
    add_eps = _producer(sqrt.inputs[0], "Add")
    if add_eps is None:
        return None
    eps_values = [v for v in add_eps.inputs if _scalar(v) is not None]
    var_values = [v for v in add_eps.inputs if _producer(v, "Reduce") is not None]
    if len(eps_values) != 1 or len(var_values) != 1:
        return None
    var = var_values[0].producer
    if var.attrs["kind"] != "mean" or tuple(var.attrs["axes"] or ()) != tuple(axes):
        return None
    square = var.inputs[0].producer if var.inputs[0] is not None else None
    if square is None:
        return None
    if square.op == "Pow":
        if _scalar(square.inputs[1]) != 2.0 or square.inputs[0] is not centered:
            return None
    elif square.op == "Mul":
        if square.inputs[0] is not centered or square.inputs[1] is not centered:
            return None
    else:
        return None
    return {
        "x": x,
        "axis": axes[0],
        "epsilon": _scalar(eps_values[0]),
        "nodes": [node, sub, mean, sqrt, add_eps, var, square],
    }


def _intermediates_private(graph: Graph, nodes: list[Node]) -> str | None:
    """A reason why a matched chain cannot be replaced: one of its intermediates (every
    node but the first, which is the chain's end) escapes the chain."""
    inner = {id(n) for n in nodes}
    for part in nodes[1:]:
        if part.outputs[0] in graph.outputs:
            return "an intermediate is a graph output"
        for user in part.outputs[0].users:
            if id(user) not in inner:
                return f"the intermediate {part.outputs[0].name!r} has other users"
    return None


def _layernorm_check(graph: Graph, node: Node) -> str | None:
    parts = _layernorm_parts(node)
    assert parts is not None
    return _intermediates_private(graph, parts["nodes"])


def _layernorm_rewrite(graph: Graph, node: Node) -> None:
    parts = _layernorm_parts(node)
    assert parts is not None
    x: Value = parts["x"]
    out = node.outputs[0]
    norm_shape = x.shape[parts["axis"] :]
    scale = np.ones(norm_shape, dtype=np.float32)
    bias = None
    final = out
    user = out.users[0] if len(out.users) == 1 and out not in graph.outputs else None
    if user is not None and user.op == "Mul":
        gamma = _other(user, out)
        if (
            gamma is not None
            and gamma.is_constant
            and gamma.shape[-len(norm_shape) :] == norm_shape[-gamma.rank :]
            and gamma.size == int(np.prod(norm_shape))
        ):
            scale = np.asarray(gamma.const, np.float32).reshape(norm_shape)
            final = user.outputs[0]
            user = final.users[0] if len(final.users) == 1 and final not in graph.outputs else None
    if user is not None and user.op == "Add":
        beta = _other(user, final)
        if beta is not None and beta.is_constant and beta.size == int(np.prod(norm_shape)):
            bias = np.asarray(beta.const, np.float32).reshape(norm_shape)
            final = user.outputs[0]
    inputs = [x, graph.add_constant(f"{node.name}_scale", scale)]
    if bias is not None:
        inputs.append(graph.add_constant(f"{node.name}_bias", bias))
    _swap(
        graph,
        parts["nodes"],
        "LayerNorm",
        inputs,
        node,
        {"axis": parts["axis"], "epsilon": parts["epsilon"]},
        result=final,
    )


FUSE_LAYERNORM = Rewrite(
    "fuse-layernorm",
    lambda g, n: _layernorm_parts(n) is not None,
    _layernorm_check,
    _layernorm_rewrite,
)

DEAD_CODE = FunctionPass("remove-dead-nodes", lambda graph: graph.remove_dead_nodes() > 0)

CANONICALIZE = [
    FUSE_LRN,
    FUSE_LAYERNORM,
    FUSE_GELU,
    FUSE_SILU,
    FUSE_HARD_SWISH,
    FOLD_BIAS,
    FOLD_AFFINE,
    FOLD_PAD,
    DEAD_CODE,
]


def canonicalize(graph: Graph, *, fold_batchnorm: bool = True) -> Graph:
    """Run the canonicalization rules to a fixed point (optionally leaving BatchNorm unfolded)."""
    rules = [rule for rule in CANONICALIZE if fold_batchnorm or rule is not FOLD_AFFINE]
    return PassManager(rules, fixed_point=True).run(graph)
