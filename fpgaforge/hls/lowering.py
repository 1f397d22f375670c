"""Quantized graph → kernel calls: one `KernelCall` (config fields, tables, streams) per node.

Each rule reads a node's attributes and constants and fills the config of a kernel
from `fpgaforge/hls/kernels/`; no arithmetic is generated here. Data-movement ops
become `gather` index tables computed by running the op's own `compute_int` on
stream positions, so their semantics cannot drift from the reference executor.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from fpgaforge.hls import layout
from fpgaforge.hls.errors import HlsUnsupportedError
from fpgaforge.ir import ops as _ops  # noqa: F401  (registers the op set)
from fpgaforge.ir.graph import Graph
from fpgaforge.ir.node import Node
from fpgaforge.ir.ops.registry import get as get_op
from fpgaforge.ir.value import Value
from fpgaforge.numerics.codes import OVERFLOW_CODES, ROUNDING_CODES
from fpgaforge.numerics.modes import Overflow, Rounding
from fpgaforge.numerics.types import Fixed, Int

MOVEMENT = (
    "Reshape",
    "Transpose",
    "Slice",
    "Pad",
    "Gather",
    "Split",
    "Resize",
    "Flatten",
    "Squeeze",
    "Unsqueeze",
)


@dataclass
class Table:
    """A constant array passed to a kernel (weights, biases, multipliers, index maps)."""

    name: str
    ctype: str
    values: np.ndarray
    partition: int = 1  # ARRAY_PARTITION cyclic factor (1: none; 0: complete)
    in_memory: bool = False  # tiled mode: lives in the m_axi weight memory


@dataclass
class KernelCall:
    """One kernel invocation in the top function."""

    header: str
    func: str
    node: str  # raw node name (for comments and errors)
    types: dict[str, str]
    consts: dict[str, int]
    inputs: list[str]  # value names (before stream allocation)
    outputs: list[str]
    tables: list[Table] = field(default_factory=list)
    uses_wmem: bool = False
    stage: str = ""


def dtype_of(value: Value) -> Fixed | Int:
    t = value.dtype
    if not isinstance(t, Fixed | Int):
        raise HlsUnsupportedError(
            f"Value {value.name!r} has dtype {t}, not a quantized type; the HLS backend needs a quantized graph."
        )
    return t


def ctype(value: Value) -> str:
    return layout.code_type(dtype_of(value))


def _largest_divisor(n: int, want: int) -> int:
    want = max(1, min(int(want), n))
    while n % want:
        want -= 1
    return want


def _signed_bits(values: np.ndarray) -> int:
    """Bits of a signed ap_int holding every value."""
    if values.size == 0:
        return 2
    lo, hi = int(values.min()), int(values.max())
    return max(2, max(hi.bit_length(), (-lo - 1).bit_length() if lo < 0 else 0) + 1)


class Lowering:
    """Lowers the nodes of a quantized graph, given the schedule's folding per node."""

    def __init__(self, graph: Graph, folding: dict[str, dict], tiled: bool, namer) -> None:
        self.graph = graph
        self.folding = folding
        self.tiled = tiled
        self.namer = namer
        self.calls: list[KernelCall] = []
        self.aliases: dict[str, str] = {}
        self.wmem_words = 0
        self.wmem: list[np.ndarray] = []
        self.virtual: dict[
            str, tuple[str, int]
        ] = {}  # streams a rule creates: name -> (ctype, count)

    # -- helpers ------------------------------------------------------------------
    def fail(self, node: Node, why: str) -> HlsUnsupportedError:
        return HlsUnsupportedError(
            f"Node {node.name!r} ({node.op}) cannot be built for HLS: {why}."
        )

    def src(self, value: Value) -> str:
        return self.aliases.get(value.name, value.name)

    def table(self, node: Node, role: str, ctype_: str, values, partition: int = 1) -> Table:
        name = self.namer.name(f"{node.name}_{role}", "t")
        return Table(name, ctype_, np.asarray(values, dtype=object).ravel(), partition)

    def add(
        self,
        node: Node,
        header: str,
        func: str,
        types: dict,
        consts: dict,
        inputs,
        outputs,
        tables=(),
        uses_wmem: bool = False,
    ) -> None:
        self.calls.append(
            KernelCall(
                header,
                func,
                node.name,
                types,
                consts,
                [self.src(v) for v in inputs],
                [v.name for v in outputs],
                list(tables),
                uses_wmem,
            )
        )

    # -- entry --------------------------------------------------------------------
    def run(self) -> list[KernelCall]:
        input_values = {v.name for v in self.graph.inputs}
        for node in self.graph.nodes:
            if node.op == "Quantize":
                if node.inputs[0] is None or node.inputs[0].name not in input_values:
                    raise self.fail(
                        node, "Quantize is only supported on graph inputs (the host quantizes)"
                    )
                continue
            rule = getattr(self, f"lower_{node.op}", None)
            if rule is None and node.op in MOVEMENT:
                rule = self.lower_movement
            if rule is None:
                raise self.fail(node, "no HLS kernel implements this op")
            rule(node)
        return self.calls

    # -- linear layers -------------------------------------------------------------
    def _bias(self, node: Node, index: int, count: int, acc: Value) -> Table:
        data = node.const_input(index) if len(node.inputs) > index else None
        values = np.zeros(count, dtype=np.int64) if data is None else np.asarray(data).reshape(-1)
        return self.table(node, "bias", ctype(acc), values)

    def lower_Dense(self, node: Node) -> None:
        x, w, out = node.inputs[0], node.inputs[1], node.outputs[0]
        if w is None or not w.is_constant:
            raise self.fail(node, "the weight must be a constant")
        if x.rank >= 4:
            raise self.fail(node, "Dense on a rank-4 input is not supported; flatten first")
        weight = np.asarray(w.const)
        n_out, k = weight.shape
        self._linear(
            node, x, weight, self._bias(node, 2, n_out, out), out, layout.frame_size(x.shape) // k
        )

    def lower_MatMul(self, node: Node) -> None:
        a, b, out = node.inputs[0], node.inputs[1], node.outputs[0]
        if b is None or not b.is_constant or np.ndim(b.const) != 2 or a.rank >= 4:
            raise self.fail(node, "only activation × constant 2-D matrix is supported")
        weight = np.asarray(b.const).T
        self._linear(
            node,
            a,
            weight,
            self.table(node, "bias", ctype(out), np.zeros(weight.shape[0], np.int64)),
            out,
            layout.frame_size(a.shape) // weight.shape[1],
        )

    def _linear(
        self, node: Node, x: Value, weight: np.ndarray, bias: Table, out: Value, rows: int
    ) -> None:
        n_out, k = weight.shape
        fold = self.folding.get(node.name, {})
        types = {
            "in_t": ctype(x),
            "weight_t": self._wtype(node),
            "bias_t": bias.ctype,
            "acc_t": ctype(out),
        }
        if self.tiled:
            tile = max(1, min(int(fold.get("m_tile", 64)), n_out))
            consts = {
                "N_OUT": n_out,
                "K": k,
                "ROWS": rows,
                "TILE": tile,
                "W_OFFSET": self._to_wmem(weight),
                "COLS_SIMD": max(1, int(fold.get("cols", 1))),
            }
            self.add(
                node,
                "tiled_gemm.h",
                "ff::tiled_dense",
                types,
                consts,
                [x],
                [out],
                [bias],
                uses_wmem=True,
            )
            return
        pe = _largest_divisor(n_out, fold.get("pe", 1))
        simd = _largest_divisor(k, fold.get("simd", 1))
        wt = self.table(node, "weight", types["weight_t"], weight, partition=pe * simd)
        consts = {"N_IN": k, "N_OUT": n_out, "ROWS": rows, "PE": pe, "SIMD": simd}
        self.add(node, "dense.h", "ff::dense", types, consts, [x], [out], [wt, bias])

    def _wtype(self, node: Node) -> str:
        return ctype(node.inputs[1])

    def _to_wmem(self, weight: np.ndarray) -> int:
        flat = np.asarray(weight, dtype=np.int64).ravel()
        if flat.size and (flat.min() < -(1 << 31) or flat.max() >= 1 << 31):
            raise HlsUnsupportedError(
                "Tiled mode stores one weight code per 32-bit word; a weight is wider than 32 bits."
            )
        offset = self.wmem_words
        self.wmem.append(flat)
        self.wmem_words += flat.size
        return offset

    def _window(
        self, node: Node, x: Value, out: Value, kernel: tuple[int, int], strides, pads, dilations
    ) -> dict:
        if x.rank != 4 or len(kernel) != 2:
            raise self.fail(node, "only 2-D windows (rank-4 NCHW tensors) are supported")
        _, c, h, w = x.shape
        oh, ow = out.shape[2], out.shape[3]
        ekh, ekw = (kernel[0] - 1) * dilations[0] + 1, (kernel[1] - 1) * dilations[1] + 1
        pt, pl = pads[0], pads[1]
        hp = max(h + pt + pads[2], (oh - 1) * strides[0] + ekh)
        wp = max(w + pl + pads[3], (ow - 1) * strides[1] + ekw)
        return {
            "C": c,
            "H": h,
            "W": w,
            "PT": pt,
            "PL": pl,
            "HP": hp,
            "WP": wp,
            "EKH": ekh,
            "EKW": ekw,
            "SH": strides[0],
            "SW": strides[1],
            "OH": oh,
            "OW": ow,
            "KH": kernel[0],
            "KW": kernel[1],
            "DH": dilations[0],
            "DW": dilations[1],
        }

    def lower_Conv(self, node: Node) -> None:
        x, w, out = node.inputs[0], node.inputs[1], node.outputs[0]
        if w is None or not w.is_constant:
            raise self.fail(node, "the weight must be a constant")
        weight = np.asarray(w.const)
        m, cpg, kh, kw = weight.shape
        a = node.attrs
        win = self._window(node, x, out, (kh, kw), a["strides"], a["pads"], a["dilations"])
        group = int(a.get("group", 1))
        bias = self._bias(node, 2, m, out)
        fold = self.folding.get(node.name, {})
        types = {"in_t": ctype(x), "weight_t": ctype(w), "bias_t": bias.ctype, "acc_t": ctype(out)}
        consts = {**win, "M": m, "CPG": cpg, "MPG": m // group}
        if self.tiled:
            tile = max(1, min(int(fold.get("m_tile", 64)), m))
            consts |= {
                "K": cpg * kh * kw,
                "TILE": tile,
                "W_OFFSET": self._to_wmem(weight),
                "COLS_SIMD": max(1, int(fold.get("cols", 1))),
            }
            self.add(
                node,
                "tiled_gemm.h",
                "ff::tiled_conv",
                types,
                consts,
                [x],
                [out],
                [bias],
                uses_wmem=True,
            )
            return
        pe = _largest_divisor(m, fold.get("pe", 1))
        simd = _largest_divisor(cpg * kh * kw, fold.get("simd", 1))
        consts |= {"PE": pe, "SIMD": simd}
        wt = self.table(node, "weight", ctype(w), weight, partition=pe * simd)
        self.add(node, "conv2d.h", "ff::conv2d", types, consts, [x], [out], [wt, bias])

    def lower_DepthwiseConv(self, node: Node) -> None:
        x, w, out = node.inputs[0], node.inputs[1], node.outputs[0]
        weight = np.asarray(w.const)
        m, _, kh, kw = weight.shape
        a = node.attrs
        win = self._window(node, x, out, (kh, kw), a["strides"], a["pads"], a["dilations"])
        bias = self._bias(node, 2, m, out)
        pe = _largest_divisor(m, self.folding.get(node.name, {}).get("pe", 1))
        types = {"in_t": ctype(x), "weight_t": ctype(w), "bias_t": bias.ctype, "acc_t": ctype(out)}
        consts = {**win, "M": m, "MULT": m // x.shape[1], "PE": pe}
        wt = self.table(node, "weight", ctype(w), weight, partition=pe)
        self.add(node, "depthwise.h", "ff::depthwise2d", types, consts, [x], [out], [wt, bias])

    def lower_Affine(self, node: Node) -> None:
        x, out = node.inputs[0], node.outputs[0]
        axis = int(node.attrs["axis"]) % x.rank
        channels = x.shape[axis]
        scale = np.broadcast_to(np.asarray(node.const_input(1)).reshape(-1), (channels,))
        bias_data = node.const_input(2) if len(node.inputs) > 2 else None
        bias = (
            np.zeros(channels, np.int64)
            if bias_data is None
            else np.broadcast_to(np.asarray(bias_data).reshape(-1), (channels,))
        )
        st, bt = (
            ctype(node.inputs[1]),
            (ctype(node.inputs[2]) if bias_data is not None else ctype(out)),
        )
        types = {"in_t": ctype(x), "scale_t": st, "bias_t": bt, "out_t": ctype(out)}
        consts = {
            "N": layout.frame_size(x.shape),
            "CH": channels,
            "INNER": layout.channel_inner(x.shape, axis),
        }
        self.add(
            node,
            "eltwise.h",
            "ff::affine",
            types,
            consts,
            [x],
            [out],
            [self.table(node, "scale", st, scale), self.table(node, "bias", bt, bias)],
        )

    # -- requant and activations -----------------------------------------------------
    def lower_Requant(self, node: Node) -> None:
        x, out = node.inputs[0], node.outputs[0]
        a = node.attrs
        to = a["to"]
        axis = int(a["axis"])
        per_channel = isinstance(a["multiplier"], tuple) or isinstance(a["shift"], tuple)
        channels = x.shape[axis] if per_channel else 1
        mult = np.broadcast_to(np.asarray(a["multiplier"], dtype=np.int64).reshape(-1), (channels,))
        shift = np.broadcast_to(np.asarray(a["shift"], dtype=np.int64).reshape(-1), (channels,))
        tin = dtype_of(x)
        in_w = layout.code_width(tin) + (0 if tin.signed else 1)
        prod_w = in_w + _signed_bits(mult)
        left = max(0, -int(shift.min()))
        right = max(0, int(shift.max()))
        out_w = layout.code_width(to)
        wide = max(prod_w + left, right + 2, out_w + 2) + 2
        overflow = Overflow.coerce(a["overflow"])
        if overflow is Overflow.SAT_SYM and to.signed and out_w == 1:
            overflow = Overflow.SAT
        types = {"in_t": ctype(x), "out_t": layout.code_type(to), "wide_t": f"ap_int<{wide}>"}
        consts = {
            "N": layout.frame_size(x.shape),
            "CH": channels,
            "INNER": layout.channel_inner(x.shape, axis) if per_channel else 1,
            "ROUNDING": ROUNDING_CODES[Rounding.coerce(a["rounding"])],
            "OVERFLOW": OVERFLOW_CODES[overflow],
            "OUT_W": out_w,
            "OUT_SIGNED": int(to.signed),
            "PE": int(self.folding.get(node.name, {}).get("pe", 1)),
        }
        self.add(
            node,
            "requant.h",
            "ff::requant",
            types,
            consts,
            [x],
            [out],
            [
                self.table(node, "multiplier", "long long", mult),
                self.table(node, "shift", "int", shift),
            ],
        )

    def lower_Activation(self, node: Node) -> None:
        x, out = node.inputs[0], node.outputs[0]
        func = node.attrs["func"]
        types = {"in_t": ctype(x), "out_t": ctype(out)}
        consts = {"N": layout.frame_size(x.shape)}
        if func == "relu":
            self.add(node, "activation.h", "ff::relu", types, consts, [x], [out])
        elif func == "clip" and "clip_codes" in node.annotations:
            lo, hi = node.annotations["clip_codes"]
            self.add(
                node,
                "activation.h",
                "ff::clip",
                types,
                consts | {"LO": int(lo), "HI": int(hi)},
                [x],
                [out],
            )
        elif node.annotations.get("table") is not None:
            table = node.annotations["table"]
            values = np.asarray(table.values)
            idx_w = layout.code_width(dtype_of(x)) + _signed_bits(np.asarray([table.offset])) + 2
            types["index_t"] = f"ap_int<{idx_w}>"
            consts |= {"OFFSET": int(table.offset), "SHIFT": int(table.shift), "SIZE": len(values)}
            self.add(
                node,
                "activation.h",
                "ff::lut",
                types,
                consts,
                [x],
                [out],
                [self.table(node, "table", ctype(out), values)],
            )
        else:
            raise self.fail(
                node, f"activation {func!r} has no integer form (no clip codes or lookup table)"
            )

    # -- element-wise, pooling --------------------------------------------------------
    def _binary(self, node: Node, op: int) -> None:
        a, b, out = node.inputs[0], node.inputs[1], node.outputs[0]
        if a.is_constant or b.is_constant or a.shape != b.shape:
            raise self.fail(
                node, "both operands must be activations of the same shape (no broadcasting)"
            )
        types = {"a_t": ctype(a), "b_t": ctype(b), "out_t": ctype(out)}
        self.add(
            node,
            "eltwise.h",
            "ff::binary",
            types,
            {"N": layout.frame_size(a.shape), "OP": op},
            [a, b],
            [out],
        )

    def lower_Add(self, node: Node) -> None:
        self._binary(node, 0)

    def lower_Sub(self, node: Node) -> None:
        self._binary(node, 1)

    def lower_Mul(self, node: Node) -> None:
        self._binary(node, 2)

    def lower_Max(self, node: Node) -> None:
        self._binary(node, 3)

    def lower_Min(self, node: Node) -> None:
        self._binary(node, 4)

    def lower_Pool(self, node: Node) -> None:
        x, out = node.inputs[0], node.outputs[0]
        a = node.attrs
        if a["kind"] not in ("max", "avg"):
            raise self.fail(node, f"{a['kind']} pooling has no integer form")
        win = self._window(
            node, x, out, tuple(a["kernel"]), a["strides"], a["pads"], a["dilations"]
        )
        types = {"in_t": ctype(x), "out_t": ctype(out)}
        self.add(
            node,
            "pool.h",
            "ff::pool2d",
            types,
            {**win, "IS_MAX": int(a["kind"] == "max")},
            [x],
            [out],
        )

    def lower_GlobalPool(self, node: Node) -> None:
        x, out = node.inputs[0], node.outputs[0]
        if node.attrs["kind"] not in ("max", "avg") or x.rank != 4:
            raise self.fail(node, "only global max/average pooling of rank-4 tensors is supported")
        types = {"in_t": ctype(x), "out_t": ctype(out)}
        consts = {
            "C": x.shape[1],
            "PIXELS": x.shape[2] * x.shape[3],
            "IS_MAX": int(node.attrs["kind"] == "max"),
        }
        self.add(node, "pool.h", "ff::global_pool", types, consts, [x], [out])

    # -- data movement ----------------------------------------------------------------
    def _positions(self, node: Node, arrays: list[np.ndarray]) -> list[np.ndarray]:
        if node.op == "Concat":
            return get_op(node.op).compute_int(node, *arrays)
        extra = [node.const_input(i) for i in range(1, len(node.inputs))]
        return get_op(node.op).compute_int(node, arrays[0], *extra)

    def _gather(
        self, node: Node, src: str, src_ctype: str, out: Value, cat_positions: list[np.ndarray]
    ) -> None:
        """Gather `out` from the source stream `src` (already resolved), given per-input position arrays."""
        index = node.outputs.index(out)
        ones = self._positions(node, [np.full_like(p, 1) for p in cat_positions])[index]
        twos = self._positions(node, [np.full_like(p, 2) for p in cat_positions])[index]
        result = self._positions(node, [p + 3 for p in cat_positions])[index]
        pad_mask = ones == twos
        pad_codes = np.unique(ones[pad_mask])
        if len(pad_codes) > 1:
            raise self.fail(node, "padding with several different values is not supported")
        idx = np.where(pad_mask, -1, np.asarray(result) - 3).reshape(-1)[layout.order(out.shape)]
        n_in = int(sum(p.size for p in cat_positions))
        if n_in == idx.size and np.array_equal(idx, np.arange(n_in)) and src_ctype == ctype(out):
            self.aliases[out.name] = src
            return
        types = {"in_t": src_ctype, "out_t": ctype(out)}
        consts = {
            "N_IN": n_in,
            "N_OUT": int(idx.size),
            "PAD": int(pad_codes[0]) if len(pad_codes) else 0,
        }
        self.calls.append(
            KernelCall(
                "movement.h",
                "ff::gather",
                node.name,
                types,
                consts,
                [src],
                [out.name],
                [self.table(node, f"index_{index}", "int", idx)],
            )
        )

    def lower_movement(self, node: Node) -> None:
        x = node.inputs[0]
        for value in node.inputs[1:]:
            if value is not None and not value.is_constant:
                raise self.fail(node, "only the first input may be an activation")
        pos = layout.position(x.shape)
        for out in node.outputs:
            self._gather(node, self.src(x), ctype(x), out, [pos])

    def lower_Concat(self, node: Node) -> None:
        inputs = [v for v in node.inputs if v is not None]
        if any(v.is_constant for v in inputs):
            raise self.fail(node, "constant inputs to Concat are not supported")
        out = node.outputs[0]
        positions, base = [], 0
        for v in inputs:
            positions.append(layout.position(v.shape) + base)
            base += layout.frame_size(v.shape)
        # cat2 chain into one stream of the output's code type, then a gather.
        current, count = inputs[0].name, layout.frame_size(inputs[0].shape)
        for i, v in enumerate(inputs[1:], start=1):
            tmp = f"{node.name}__cat{i}"
            types = {
                "a_t": ctype(out) if i > 1 else ctype(inputs[0]),
                "b_t": ctype(v),
                "out_t": ctype(out),
            }
            nb = layout.frame_size(v.shape)
            self.calls.append(
                KernelCall(
                    "movement.h",
                    "ff::cat2",
                    node.name,
                    types,
                    {"NA": count, "NB": nb},
                    [self.src_name(current), self.src(v)],
                    [tmp],
                )
            )
            current, count = tmp, count + nb
        if len(inputs) > 1:
            self.virtual[current] = (ctype(out), count)
            self._gather(node, current, ctype(out), out, positions)
        else:
            self._gather(node, self.src(inputs[0]), ctype(inputs[0]), out, positions)

    def src_name(self, name: str) -> str:
        return self.aliases.get(name, name)


def stage_folding(schedule) -> dict[str, dict]:
    """node name → folding of the stage that holds it (first node of a stage gets it)."""
    result: dict[str, dict] = {}
    for stage in schedule.stages:
        for name in stage.nodes:
            result.setdefault(name, dict(stage.folding))
    return result


def total_width(ctype_: str) -> int:
    return int(ctype_.split("<")[1].rstrip(">")) if "<" in ctype_ else 64


__all__ = ["KernelCall", "Lowering", "Table", "stage_folding", "total_width", "math"]
