"""State-space (Mamba-2) ops: the selective SSM in step and scan form, the causal
depthwise conv1d with its state, (gated) RMSNorm, the Hadamard transform and Einsum.

Mamba-2 conventions (state-spaces/mamba `Mamba2.step`): `x` has `heads` x `headdim`
channels, `dt` one value per head (raw: the op adds `dt_bias` and applies softplus),
`A` one negative scalar per head, `B` and `C` `d_state` values per group shared by
`heads / groups` heads, `D` a per-head skip. The state `h` is heads x headdim x
d_state and is an explicit input and output, so a decode step is a pure function.

    dt' = softplus(dt + dt_bias)          dA = exp(dt' * A)
    h   = h * dA + dt' * x (outer) B      y  = h . C + D * x

Integer semantics of these ops belong to the LightMamba quantization
(`fpgaforge.quant.lightmamba`), which replaces them by integer ops.
"""

from __future__ import annotations

import numpy as np

from fpgaforge.ir.node import Node
from fpgaforge.ir.ops.registry import REQUIRED, OpDef, TensorType, Trait, register
from fpgaforge.numerics import hadamard


def _f64(x: np.ndarray | None) -> np.ndarray | None:
    return None if x is None else np.asarray(x, dtype=np.float64)


def softplus(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


def silu(x: np.ndarray) -> np.ndarray:
    return x / (1.0 + np.exp(-x))


def _need(node: Node, index: int, shape: tuple[int, ...], role: str) -> None:
    value = node.inputs[index] if index < len(node.inputs) else None
    if value is None:
        raise OpDef.fail(node, f"input {index} ({role}) is missing")
    if tuple(value.shape) != tuple(shape):
        raise OpDef.fail(
            node, f"{role} {value.name!r} has shape {value.shape}, expected {tuple(shape)}"
        )


def ssm_update(
    x: np.ndarray,
    dt: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    c: np.ndarray,
    d: np.ndarray | None,
    dt_bias: np.ndarray | None,
    state: np.ndarray,
    use_softplus: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """One token of the selective SSM in float64: x [N,H,P], dt [N,H], b/c [N,G,S],
    state [N,H,P,S] -> (y [N,H,P], new state)."""
    heads, groups = x.shape[1], b.shape[1]
    if dt_bias is not None:
        dt = dt + dt_bias
    if use_softplus:
        dt = softplus(dt)
    rep = heads // groups
    bh = np.repeat(b, rep, axis=1)  # [N,H,S]
    ch = np.repeat(c, rep, axis=1)
    da = np.exp(dt * a)  # [N,H]
    dbx = (dt[:, :, None] * x)[..., None] * bh[:, :, None, :]
    state = state * da[:, :, None, None] + dbx
    y = np.einsum("nhps,nhs->nhp", state, ch)
    if d is not None:
        y = y + d[None, :, None] * x
    return y, state


_SSM_ROLES = ("x", "dt", "A", "B", "C", "D", "dt_bias", "state")


@register
class SSMStep(OpDef):
    name = "SSMStep"
    traits: frozenset[Trait] = frozenset()
    attrs = {"dt_softplus": True}
    min_inputs, max_inputs = 8, 8
    doc = (
        "One decode step of the Mamba-2 selective SSM: inputs x [N,H,P], dt [N,H], A [H], "
        "B [N,G,S], C [N,G,S], D [H] (optional), dt_bias [H] (optional), state [N,H,P,S]; "
        "outputs y [N,H,P] and the new state."
    )

    def infer(self, node: Node) -> list[TensorType]:
        x, b, state = node.inputs[0], node.inputs[3], node.inputs[7]
        if x is None or b is None or state is None or x.rank != 3 or b.rank != 3:
            raise self.fail(node, "x must be [N,H,P], B and C [N,G,S] and the state [N,H,P,S]")
        n, h, p = x.shape
        g, s = b.shape[1], b.shape[2]
        if g < 1 or h % g:
            raise self.fail(node, f"{h} heads do not divide into {g} groups")
        _need(node, 1, (n, h), "dt")
        _need(node, 2, (h,), "A")
        _need(node, 4, (n, g, s), "C")
        for index in (5, 6):
            if node.inputs[index] is not None:
                _need(node, index, (h,), _SSM_ROLES[index])
        _need(node, 7, (n, h, p, s), "state")
        return [(x.shape, x.dtype), (state.shape, state.dtype)]

    def compute(self, node: Node, x, dt, a, b, c, d, dt_bias, state) -> list[np.ndarray]:
        y, h = ssm_update(
            _f64(x), _f64(dt), _f64(a), _f64(b), _f64(c), _f64(d), _f64(dt_bias), _f64(state),
            bool(node.attrs["dt_softplus"]),
        )  # fmt: skip
        return [y.astype(x.dtype), h.astype(state.dtype)]

    def macs(self, node: Node) -> int:
        n, h, p, s = node.inputs[7].shape
        return n * (3 * h * p * s + 2 * h * p + h)


@register
class SSMScan(OpDef):
    name = "SSMScan"
    traits: frozenset[Trait] = frozenset()
    attrs = {"dt_softplus": True}
    min_inputs, max_inputs = 7, 8
    doc = (
        "The Mamba-2 selective SSM over a sequence: x [N,L,H,P], dt [N,L,H], A [H], "
        "B/C [N,L,G,S], D [H], dt_bias [H], optional initial state [N,H,P,S]; outputs "
        "y [N,L,H,P] and the final state. Equal to L SSMSteps."
    )

    def infer(self, node: Node) -> list[TensorType]:
        x, b = node.inputs[0], node.inputs[3]
        if x is None or b is None or x.rank != 4 or b.rank != 4:
            raise self.fail(node, "x must be [N,L,H,P] and B, C [N,L,G,S]")
        n, length, h, p = x.shape
        g, s = b.shape[2], b.shape[3]
        if g < 1 or h % g:
            raise self.fail(node, f"{h} heads do not divide into {g} groups")
        _need(node, 1, (n, length, h), "dt")
        _need(node, 2, (h,), "A")
        _need(node, 4, (n, length, g, s), "C")
        for index in (5, 6):
            if node.inputs[index] is not None:
                _need(node, index, (h,), _SSM_ROLES[index])
        if len(node.inputs) > 7 and node.inputs[7] is not None:
            _need(node, 7, (n, h, p, s), "state")
        return [(x.shape, x.dtype), ((n, h, p, s), x.dtype)]

    def compute(self, node: Node, x, dt, a, b, c, d, dt_bias, state=None) -> list[np.ndarray]:
        n, length, h, p = x.shape
        s = b.shape[3]
        hstate = np.zeros((n, h, p, s)) if state is None else _f64(state)
        ys = []
        for t in range(length):
            y, hstate = ssm_update(
                _f64(x[:, t]), _f64(dt[:, t]), _f64(a), _f64(b[:, t]), _f64(c[:, t]),
                _f64(d), _f64(dt_bias), hstate, bool(node.attrs["dt_softplus"]),
            )  # fmt: skip
            ys.append(y)
        return [np.stack(ys, axis=1).astype(x.dtype), hstate.astype(x.dtype)]

    def macs(self, node: Node) -> int:
        n, length, h, p = node.inputs[0].shape
        s = node.inputs[3].shape[3]
        return n * length * (3 * h * p * s + 2 * h * p + h)


def causal_conv(
    x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None, state: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """x [N,L,C], weight [C,K], state [N,C,K-1] (the last K-1 inputs) -> (y [N,L,C], state)."""
    n, length, ch = x.shape
    k = weight.shape[1]
    past = np.zeros((n, ch, k - 1), dtype=x.dtype) if state is None else state
    full = np.concatenate([past, np.swapaxes(x, 1, 2)], axis=2)  # [N,C,K-1+L]
    y = np.zeros((n, ch, length), dtype=np.result_type(x, weight))
    for j in range(k):
        y = y + full[:, :, j : j + length] * weight[None, :, j : j + 1]
    if bias is not None:
        y = y + bias[None, :, None]
    return np.swapaxes(y, 1, 2), full[:, :, full.shape[2] - (k - 1) :]


@register
class CausalConv1d(OpDef):
    name = "CausalConv1d"
    traits: frozenset[Trait] = frozenset()
    attrs = {}
    min_inputs, max_inputs = 2, 4
    doc = (
        "Causal depthwise conv1d with its state: x [N,C] (one step) or [N,L,C], weight [C,K], "
        "bias [C] (optional), state [N,C,K-1] (optional, the previous K-1 inputs); outputs y "
        "shaped like x and the new state."
    )

    def infer(self, node: Node) -> list[TensorType]:
        x, w = node.inputs[0], node.inputs[1]
        if x is None or w is None or x.rank not in (2, 3) or w.rank != 2:
            raise self.fail(node, "x must be [N,C] or [N,L,C] and the weight [C,K]")
        ch, k = w.shape
        if x.shape[-1] != ch:
            raise self.fail(node, f"x has {x.shape[-1]} channels, the weight {ch}")
        if len(node.inputs) > 2 and node.inputs[2] is not None:
            _need(node, 2, (ch,), "bias")
        state_shape = (x.shape[0], ch, k - 1)
        if len(node.inputs) > 3 and node.inputs[3] is not None:
            _need(node, 3, state_shape, "state")
        return [(x.shape, x.dtype), (state_shape, x.dtype)]

    def compute(self, node: Node, x, weight, bias=None, state=None) -> list[np.ndarray]:
        seq = _f64(x)[:, None, :] if x.ndim == 2 else _f64(x)
        y, new_state = causal_conv(seq, _f64(weight), _f64(bias), _f64(state))
        y = y[:, 0] if x.ndim == 2 else y
        return [y.astype(x.dtype), new_state.astype(x.dtype)]

    def macs(self, node: Node) -> int:
        x, w = node.inputs[0], node.inputs[1]
        return (x.size if x is not None else 0) * w.shape[1]


def rms_norm(
    x: np.ndarray, weight: np.ndarray | None, gate: np.ndarray | None, eps: float, group: int
) -> np.ndarray:
    """RMSNorm over groups of `group` channels of the last axis (0: the whole axis);
    with a gate z, RMSNorm(x * silu(z))."""
    if gate is not None:
        x = x * silu(gate)
    size = x.shape[-1]
    group = group or size
    grouped = x.reshape(*x.shape[:-1], size // group, group)
    rms = np.sqrt((grouped * grouped).mean(axis=-1, keepdims=True) + eps)
    y = (grouped / rms).reshape(x.shape)
    return y if weight is None else y * weight


@register
class RMSNorm(OpDef):
    name = "RMSNorm"
    traits: frozenset[Trait] = frozenset()
    attrs = {"epsilon": 1e-5, "group_size": 0}
    min_inputs, max_inputs = 1, 3
    doc = (
        "RMSNorm over the last axis (in groups of `group_size` channels when not 0), times "
        "weight [C]; with a gate z (input 2) the gated form RMSNorm(x * silu(z))."
    )

    def infer(self, node: Node) -> list[TensorType]:
        x = node.inputs[0]
        assert x is not None
        size = x.shape[-1] if x.rank else 0
        group = int(node.attrs["group_size"]) or size
        if x.rank == 0 or size % group:
            raise self.fail(node, f"{size} channels do not divide into groups of {group}")
        if len(node.inputs) > 1 and node.inputs[1] is not None:
            _need(node, 1, (size,), "weight")
        if len(node.inputs) > 2 and node.inputs[2] is not None:
            _need(node, 2, x.shape, "gate")
        return [(x.shape, x.dtype)]

    def compute(self, node: Node, x, weight=None, gate=None) -> list[np.ndarray]:
        y = rms_norm(
            _f64(x), _f64(weight), _f64(gate), float(node.attrs["epsilon"]),
            int(node.attrs["group_size"]),
        )  # fmt: skip
        return [y.astype(x.dtype)]

    def macs(self, node: Node) -> int:
        return 2 * node.inputs[0].size


@register
class Hadamard(OpDef):
    name = "Hadamard"
    traits: frozenset[Trait] = frozenset()
    attrs = {"normalized": True}
    doc = (
        "y = x H_n^T along the last axis, n = K * 2^k with K in 1, 12, 20, 28, 40 "
        "(divided by sqrt(n) when normalized); on integer codes the unnormalized sum."
    )
    integer_exact = True

    def infer(self, node: Node) -> list[TensorType]:
        x = node.inputs[0]
        assert x is not None
        n = x.shape[-1] if x.rank else 1
        if not hadamard.has_construction(n):
            raise self.fail(
                node,
                f"a Hadamard transform of size {n} has no construction (sizes are K * 2^k with "
                f"K in {', '.join(str(k) for k in hadamard.BASE_SIZES)})",
            )
        return [(x.shape, x.dtype)]

    def compute(self, node: Node, x) -> list[np.ndarray]:
        if x.dtype.kind in "iu":
            return [hadamard.transform(x.astype(np.int64))]
        y = hadamard.transform(_f64(x))
        if node.attrs["normalized"]:
            y = y / np.sqrt(x.shape[-1])
        return [y.astype(x.dtype)]

    def macs(self, node: Node) -> int:
        x = node.inputs[0]
        n = x.shape[-1]
        k, p = hadamard.decompose(n) or (1, n)
        return x.size * (int(np.log2(p)) + k)


@register
class Einsum(OpDef):
    name = "Einsum"
    traits: frozenset[Trait] = frozenset()
    attrs = {"equation": REQUIRED}
    min_inputs, max_inputs = 1, None
    doc = "numpy/ONNX einsum with an explicit equation."
    integer_exact = True

    def infer(self, node: Node) -> list[TensorType]:
        dummies = [np.zeros(v.shape, dtype=np.float32) for v in node.inputs if v is not None]
        try:
            y = np.einsum(node.attrs["equation"], *dummies)
        except ValueError as exc:
            raise self.fail(node, f"einsum {node.attrs['equation']!r} fails: {exc}") from None
        dtype = np.result_type(*[v.dtype for v in node.inputs if v is not None])
        return [(tuple(y.shape), dtype)]

    def compute(self, node: Node, *inputs) -> list[np.ndarray]:
        dtype = np.result_type(*inputs)
        work = [np.asarray(a, np.float64) if dtype.kind == "f" else a for a in inputs]
        return [np.asarray(np.einsum(node.attrs["equation"], *work)).astype(dtype)]

    def macs(self, node: Node) -> int:
        eq = node.attrs["equation"].replace(" ", "")
        lhs = eq.split("->")[0].split(",")
        sizes: dict[str, int] = {}
        for term, value in zip(lhs, node.inputs, strict=False):
            if value is not None and "..." not in term:
                sizes.update(zip(term, value.shape, strict=False))
        total = 1
        for size in sizes.values():
            total *= size
        return total

    def batch_safe(self, node: Node) -> bool:
        return False
