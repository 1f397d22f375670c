"""QfxModel: a float fpgaforge graph run in PyTorch with QFX fixed-point casts.

Every tensor the hardware stores is cast to `ap_fixed<W, I>` with a learned I:
inputs, weights, biases, BatchNorm scales (when not folded), layer outputs, adds,
pooling and activations. The arithmetic in between is exact (float64 holds every
product and sum of these fixed-point numbers), and each cast follows the same
rules as `fpgaforge.quant.lower`, so the eval-mode forward equals the integer
emulation of the exported graph bit for bit.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from fpgaforge.errors import QuantizationError
from fpgaforge.ir.graph import Graph
from fpgaforge.ir.node import Node
from fpgaforge.ir.ops.registry import Trait, has_trait, ops_with
from fpgaforge.ir.quant_info import WeightFormat
from fpgaforge.numerics.convert import rescale_params
from fpgaforge.numerics.modes import Overflow, Rounding
from fpgaforge.numerics.result_types import accum_type, mul_type
from fpgaforge.numerics.types import Fixed
from fpgaforge.quant.calibrate import TensorRange
from fpgaforge.quant.plan import (
    fixed_int_bits,
    has_parameters,
    keeps_input_type,
    relu_folds,
)
from fpgaforge.quant.qfx import khot
from fpgaforge.quant.qfx.quantizer import FixedQuantizer, fixed_values


@dataclass(frozen=True)
class QfxConfig:
    """QFX settings. Widths are fixed; the integer bits of every tensor are learned.

    `k_hot` restricts weights to at most K non-zero signed digits (multiplier-free).
    `fold_batchnorm=False` keeps BatchNorm as a fixed-point affine layer."""

    width: int = 8
    weight_width: int | None = None
    bias_width: int | None = None
    rounding: Rounding = Rounding.RND
    overflow: Overflow = Overflow.SAT
    learn_int_bits: bool = True
    k_hot: int | None = None
    fold_batchnorm: bool = True

    def __post_init__(self) -> None:
        for name in ("width", "weight_width", "bias_width"):
            value = getattr(self, name)
            if value is not None and not 1 <= value <= 24:
                raise QuantizationError(f"QFX {name} must be between 1 and 24 bits, got {value}.")
        if self.k_hot is not None and self.k_hot < 1:
            raise QuantizationError(f"QFX k_hot must be at least 1, got {self.k_hot}.")


class WeightHook(Protocol):
    """Runs a layer's product with its weight (e.g. `fpgaforge.quant.sat`'s N:M masks)."""

    format: WeightFormat

    def apply(
        self,
        x: torch.Tensor,
        weight: torch.Tensor,
        op: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
        training: bool,
    ) -> torch.Tensor: ...

    def masked(self, weight: torch.Tensor) -> torch.Tensor: ...


class _KHotSTE(torch.autograd.Function):
    @staticmethod
    def forward(ctx, values: torch.Tensor, t: Fixed, k: int) -> torch.Tensor:  # type: ignore[override]
        scale = math.ldexp(1.0, -t.frac_bits)
        codes = np.rint(values.detach().cpu().numpy() / scale).astype(np.int64)
        projected = khot.project(codes, t.width, k, t.signed)
        return torch.from_numpy(projected.astype(np.float64) * scale).to(values.device)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):  # type: ignore[override]
        return grad, None, None


class _Requant(torch.autograd.Function):
    """Exact value of a multiplier/shift requant, with a straight-through gradient."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, factor: float, exact: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        ctx.factor = factor
        return exact

    @staticmethod
    def backward(ctx, grad: torch.Tensor):  # type: ignore[override]
        return grad * ctx.factor, None, None


TRAINABLE = frozenset(
    {
        *ops_with(Trait.WEIGHTED),
        *ops_with(Trait.PASS_THROUGH),
        "Affine",
        "Add",
        "Sub",
        "Mul",
        "Concat",
        "Pool",
        "GlobalPool",
        "Activation",
    }
)
"""The ops `QfxModel` trains (with the attribute limits `_check_supported` names)."""


def _key(index: int, role: str) -> str:
    return f"n{index}_{role}"


class QfxModel(nn.Module):
    """The trainable QFX model of a float graph (build it with `qfx.prepare`)."""

    def __init__(self, graph: Graph, config: QfxConfig, ranges: dict[str, TensorRange]) -> None:
        super().__init__()
        self.graph = graph
        self.config = config
        self.params = nn.ParameterDict()
        self.quantizers = nn.ModuleDict()
        self.value_keys: dict[str, str] = {}
        self.weight_hooks: dict[int, WeightHook] = {}
        """Layers whose product runs through a hook (N:M sparse training), by node index."""
        self._check_supported()
        w_width = config.weight_width or config.width
        b_width = config.bias_width or config.width
        for i, value in enumerate(graph.inputs):
            self._activation_quantizer(f"in{i}", value.name, ranges)
        for index, node in enumerate(graph.nodes):
            if has_parameters(node.op):
                weight = np.asarray(node.inputs[1].const, np.float64)
                self.params[_key(index, "weight")] = nn.Parameter(torch.from_numpy(weight.copy()))
                self.quantizers[_key(index, "weight")] = self._quantizer(
                    w_width, float(np.abs(weight).max())
                )
                bias = node.input(2)
                if bias is not None:
                    data = np.asarray(bias.const, np.float64)
                    self.params[_key(index, "bias")] = nn.Parameter(torch.from_numpy(data.copy()))
                    self.quantizers[_key(index, "bias")] = self._quantizer(
                        b_width, float(np.abs(data).max())
                    )
            for j, out in enumerate(node.outputs):
                if keeps_input_type(graph, node) or self._feeds_folded_relu(node):
                    continue
                self._activation_quantizer(f"n{index}_out{j}", out.name, ranges)

    # ---- construction helpers ------------------------------------------------
    def _quantizer(self, width: int, absmax: float) -> FixedQuantizer:
        c = self.config
        return FixedQuantizer(
            width,
            fixed_int_bits(absmax),
            rounding=c.rounding,
            overflow=c.overflow,
            learn=c.learn_int_bits,
        )

    def _activation_quantizer(self, key: str, name: str, ranges: dict[str, TensorRange]) -> None:
        rng = ranges.get(name)
        self.quantizers[key] = self._quantizer(self.config.width, rng.absmax if rng else 1.0)
        self.value_keys[name] = key

    def _feeds_folded_relu(self, node: Node) -> bool:
        out = node.outputs[0]
        return len(out.users) == 1 and relu_folds(self.graph, out.users[0])

    def _check_supported(self) -> None:
        for node in self.graph.nodes:
            if (
                node.op not in TRAINABLE
                or (node.op == "Activation" and node.attrs["func"] not in ("relu", "clip"))
                or (node.op in ("Pool", "GlobalPool") and node.attrs["kind"] not in ("max", "avg"))
                or (node.op == "Resize" and node.attrs["mode"] != "nearest")
            ):
                raise QuantizationError(
                    f"QFX cannot train {node.where()}: it trains {', '.join(sorted(TRAINABLE))} "
                    f"(Affine is an unfolded BatchNorm; activations only ReLU and clip, pooling "
                    f"only max and average, Resize only nearest)."
                )

    # ---- types of the current parameters ---------------------------------------
    def weight_type(self, index: int) -> Fixed:
        return self.quantizers[_key(index, "weight")].type

    def bias_type(self, index: int) -> Fixed:
        return self.quantizers[_key(index, "bias")].type

    def quantized_weight(self, index: int) -> torch.Tensor:
        q = self.quantizers[_key(index, "weight")]
        values = q(self.params[_key(index, "weight")])
        if self.config.k_hot is not None and has_trait(self.graph.nodes[index].op, Trait.WEIGHTED):
            values = _KHotSTE.apply(values, q.type, self.config.k_hot)
        return values

    # ---- forward -----------------------------------------------------------------
    def forward(self, *inputs: torch.Tensor) -> torch.Tensor | tuple[torch.Tensor, ...]:
        env: dict[str, torch.Tensor] = {}
        types: dict[str, Fixed] = {}
        for value, x in zip(self.graph.inputs, inputs, strict=True):
            q = self.quantizers[self.value_keys[value.name]]
            env[value.name], types[value.name] = q(torch.as_tensor(x)), q.type
        skip: set[int] = set()
        for index, node in enumerate(self.graph.nodes):
            if id(node) in skip:
                continue
            self._run_node(index, node, env, types, skip)
        outs = tuple(env[v.name] for v in self.graph.outputs)
        return outs[0] if len(outs) == 1 else outs

    def _store(
        self, name: str, value: torch.Tensor, env: dict, types: dict, t: Fixed | None = None
    ) -> None:
        if name in self.value_keys:
            q = self.quantizers[self.value_keys[name]]
            env[name], types[name] = q(value), q.type
        else:
            env[name], types[name] = value, t  # type: ignore[assignment]

    def _finish(self, node: Node, acc: torch.Tensor, env: dict, types: dict, skip: set) -> None:
        out = node.outputs[0]
        if self._feeds_folded_relu(node):
            relu = out.users[0]
            skip.add(id(relu))
            acc, out = F.relu(acc), relu.outputs[0]
        self._store(out.name, acc, env, types)

    def _run_node(self, index: int, node: Node, env: dict, types: dict, skip: set) -> None:
        op, a = node.op, node.attrs
        x = env.get(node.inputs[0].name) if node.inputs and node.inputs[0] is not None else None
        if has_parameters(op):
            self._finish(node, self._layer(index, node, x, types), env, types, skip)
        elif op in ("Add", "Sub", "Mul"):
            operands = [
                env[v.name] if v.const is None else self._const_operand(v, types, node)
                for v in node.inputs
            ]
            fn = {"Add": torch.add, "Sub": torch.sub, "Mul": torch.mul}[op]
            self._finish(node, fn(operands[0], operands[1]), env, types, skip)
        elif op == "Concat":
            out = node.outputs[0]
            q = self.quantizers[self.value_keys[out.name]]
            env[out.name] = torch.cat([q(env[v.name]) for v in node.inputs], dim=a["axis"])
            types[out.name] = q.type
        elif op in ("Pool", "GlobalPool"):
            self._pool(node, x, env, types)
        elif op == "Activation":
            t = types[node.inputs[0].name]
            if a["func"] == "relu":
                y = F.relu(x)
            else:
                step = math.ldexp(1.0, -t.frac_bits)
                low = (
                    t.min_code if a["min"] is None else max(t.min_code, math.ceil(a["min"] / step))
                )
                high = (
                    t.max_code if a["max"] is None else min(t.max_code, math.floor(a["max"] / step))
                )
                y = torch.clamp(x, low * step, high * step)
            env[node.outputs[0].name], types[node.outputs[0].name] = y, t
        else:
            self._move(node, x, env, types)

    def _layer(self, index: int, node: Node, x: torch.Tensor, types: dict) -> torch.Tensor:
        tx = types[node.inputs[0].name]
        w = self.quantized_weight(index)
        tw = self.weight_type(index)
        if node.op == "Affine":
            axis = node.attrs["axis"] % x.dim()
            channel_shape = (-1,) + (1,) * (x.dim() - axis - 1)
            acc = x * w.reshape(channel_shape)
            n_terms = 2  # as fpgaforge.quant.lower sizes an affine accumulator
        else:
            hook = self.weight_hooks.get(index)
            op = F.linear if node.op == "Dense" else functools.partial(_conv, node=node)
            acc = op(x, w) if hook is None else hook.apply(x, w, op, self.training)
            channel_shape = (-1,) if node.op == "Dense" else (-1,) + (1,) * (x.dim() - 2)
            n_terms = int(np.prod(node.inputs[1].shape[1:])) + (
                1 if node.input(2) is not None else 0
            )
        if node.input(2) is not None:
            acc_t = accum_type(mul_type(tx, tw), n_terms).with_modes(Rounding.RND, Overflow.SAT)
            b = self.quantizers[_key(index, "bias")](self.params[_key(index, "bias")])
            b = b + (fixed_values(b, acc_t) - b).detach()  # the bias enters the accumulator's type
            acc = acc + b.reshape(channel_shape)
        return acc

    def _const_operand(self, value, types: dict, node: Node) -> torch.Tensor:
        raise QuantizationError(f"QFX does not train constant operands yet ({node.where()}).")

    def _pool(self, node: Node, x: torch.Tensor, env: dict, types: dict) -> None:
        a, out = node.attrs, node.outputs[0]
        t = types[node.inputs[0].name]
        rank = x.dim() - 2
        if node.op == "GlobalPool":
            if a["kind"] == "max":
                env[out.name], types[out.name] = (
                    torch.amax(x, dim=tuple(range(2, x.dim())), keepdim=True),
                    t,
                )
                return
            total = x.sum(dim=tuple(range(2, x.dim())), keepdim=True)
            n = int(np.prod(x.shape[2:]))
        else:
            pads = a["pads"]
            padding = []
            for i in reversed(range(rank)):
                padding += [pads[i], pads[rank + i]]
            if a["kind"] == "max":
                padded = F.pad(x, padding, value=-math.inf)
                pool = (F.max_pool1d, F.max_pool2d, F.max_pool3d)[rank - 1]
                y = pool(padded, a["kernel"], a["strides"], 0, a["dilations"], a["ceil_mode"])
                env[out.name], types[out.name] = y, t
                return
            padded = F.pad(x, padding)
            channels = x.shape[1]
            ones = torch.ones((channels, 1, *a["kernel"]), dtype=x.dtype)
            conv = (F.conv1d, F.conv2d, F.conv3d)[rank - 1]
            total = conv(padded, ones, None, a["strides"], 0, a["dilations"], channels)
            n = int(np.prod(a["kernel"]))
        q = self.quantizers[self.value_keys[out.name]]
        out_t = q.type
        sum_t = Fixed(t.width + (n - 1).bit_length(), t.int_bits + (n - 1).bit_length(), t.signed)
        multiplier, shift = rescale_params(sum_t, out_t, 1.0 / n)
        codes = total.detach() * math.ldexp(1.0, t.frac_bits)
        exact_pre = codes * multiplier * math.ldexp(1.0, -shift) * math.ldexp(1.0, -out_t.frac_bits)
        pre = _Requant.apply(total, 1.0 / n, exact_pre)
        env[out.name], types[out.name] = q(pre), q.type

    def _move(self, node: Node, x: torch.Tensor, env: dict, types: dict) -> None:
        a, out = node.attrs, node.outputs[0]
        t = types[node.inputs[0].name]
        if node.op == "Reshape":
            shape = list(a["shape"])
            if node.inputs[0].shape[:1] == out.shape[:1]:
                shape[0] = x.shape[0]
            y = x.reshape(shape)
        elif node.op == "Transpose":
            y = x.permute(*a["perm"])
        elif node.op == "Slice":
            index = [slice(None)] * x.dim()
            for start, end, axis, step in zip(
                a["starts"], a["ends"], a["axes"], a["steps"], strict=True
            ):
                index[axis] = slice(start, end, step)
            y = x[tuple(index)]
        elif node.op == "Gather":
            y = torch.index_select(
                x, a["axis"], torch.as_tensor(np.asarray(a["indices"]).reshape(-1))
            )
            y = y.reshape(
                out.shape
                if node.inputs[0].shape[:1] != out.shape[:1]
                else (x.shape[0], *out.shape[1:])
            )
        elif node.op == "Pad" and a["mode"] == "constant":
            value = float(fixed_values(torch.tensor([a["value"]], dtype=torch.float64), t)[0])
            pads = a["pads"]
            padding = []
            for i in reversed(range(x.dim())):
                padding += [pads[i], pads[x.dim() + i]]
            y = F.pad(x, padding, value=value)
        elif node.op == "Split":
            parts = torch.split(x, list(a["sizes"]), dim=a["axis"])
            for value, part in zip(node.outputs, parts, strict=True):
                env[value.name], types[value.name] = part, t
            return
        else:
            raise QuantizationError(
                f"QFX cannot train {node.where()} ({node.op} with these attributes)."
            )
        env[out.name], types[out.name] = y, t


def _conv(x: torch.Tensor, w: torch.Tensor, node: Node) -> torch.Tensor:
    a = node.attrs
    rank = x.dim() - 2
    pads = a["pads"]
    padding = []
    for i in reversed(range(rank)):
        padding += [pads[i], pads[rank + i]]
    if any(padding):
        x = F.pad(x, padding)
    conv = (F.conv1d, F.conv2d, F.conv3d)[rank - 1]
    return conv(x, w, None, a["strides"], 0, a["dilations"], a["group"])
