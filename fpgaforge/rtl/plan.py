"""Map a streaming `Schedule` of a quantized graph onto RTL library units.

The RTL streams tensors in channel-fastest order (NHWC for feature maps), `lanes`
elements per beat. Every stream carries `perm`: the logical (row-major, NCHW)
flat index of each stream position, so flattening is free and the Dense weights
after a flatten are permuted instead of the data. Lane counts follow the
schedule's folding (PE outputs, SIMD inputs); width converters join stages whose
lane counts differ.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from fpgaforge.ir.graph import Graph
from fpgaforge.ir.node import Node
from fpgaforge.rtl.errors import RtlUnsupportedError
from fpgaforge.rtl.naming import NameTable, comment_safe

ROUNDING_CODES = {
    "TRN": 0,
    "RND": 1,
    "RND_ZERO": 2,
    "RND_MIN_INF": 3,
    "RND_INF": 4,
    "RND_CONV": 5,
    "TRN_ZERO": 6,
}
OVERFLOW_CODES = {"WRAP": 0, "SAT": 1, "SAT_ZERO": 2, "SAT_SYM": 3}


@dataclass
class Stream:
    """A tensor on the wire: lanes per beat, element width and signedness, element order."""

    lanes: int
    width: int
    signed: bool
    perm: np.ndarray
    chw: tuple[int, int, int] | None


@dataclass
class Unit:
    """One instance of a library module in the generated top."""

    module: str
    inst: str
    params: dict[str, Any]
    in_lanes: int
    in_width: int
    out_lanes: int
    out_width: int
    stage: str
    comment: str
    mems: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Plan:
    """The generated top's contents: units in stream order and the I/O format."""

    top: str
    units: list[Unit]
    input: Stream
    output: Stream
    input_name: str
    output_name: str
    in_elements: int
    out_elements: int
    stage_estimates: list[dict[str, Any]]


def type_bits(t: Any) -> tuple[int, bool]:
    """(width, signed) of a Fixed or Int numeric type."""
    return int(t.width), bool(t.signed)


def _hex(values: list[int], bits: int) -> str:
    """One packed word: values[0] in the low bits, each `bits` wide (two's complement)."""
    word = 0
    mask = (1 << bits) - 1
    for i, v in enumerate(values):
        word |= (int(v) & mask) << (i * bits)
    digits = max(1, -(-bits * len(values) // 4))
    return f"{word:0{digits}x}"


def _signed_bits(values: list[int], minimum: int = 2) -> int:
    """Bits of a two's complement field holding every value."""
    top = max((max(v, -v - 1) for v in values), default=0)
    return max(minimum, int(top).bit_length() + 1)


def _requant_params(node: Node, channels: int) -> tuple[list[int], list[int]]:
    mult, shift = node.attrs["multiplier"], node.attrs["shift"]
    mults = list(mult) if isinstance(mult, tuple) else [mult] * channels
    shifts = list(shift) if isinstance(shift, tuple) else [shift] * channels
    return [int(m) for m in mults], [int(s) for s in shifts]


def _rq_words(
    mults: list[int], shifts: list[int], lanes: int, mult_w: int, shift_w: int
) -> list[str]:
    words = []
    for g in range(len(mults) // lanes):
        fields = []
        for lane in range(lanes):
            c = g * lanes + lane
            packed = ((mults[c] & ((1 << mult_w) - 1)) << shift_w) | (
                shifts[c] & ((1 << shift_w) - 1)
            )
            fields.append(packed)
        words.append(_hex(fields, mult_w + shift_w))
    return words


def _rq_common(node: Node | None, channels: int, lanes: int) -> tuple[dict[str, Any], list[str]]:
    """Parameters and ROM words of a requant epilogue (RQ_EN = 0 without a Requant node)."""
    if node is None:
        return {"RQ_EN": 0, "MULT_W": 2, "SHIFT_W": 2, "ROUNDING": 0, "OVERFLOW": 0}, ["0"] * max(
            channels // lanes, 1
        )
    mults, shifts = _requant_params(node, channels)
    mult_w, shift_w = _signed_bits(mults), max(_signed_bits(shifts), 8)
    ow, osg = type_bits(node.attrs["to"])
    params = {
        "RQ_EN": 1,
        "MULT_W": mult_w,
        "SHIFT_W": shift_w,
        "OUT_W": ow,
        "OUT_SIGNED": int(osg),
        "ROUNDING": ROUNDING_CODES[str(node.attrs["rounding"].value)],
        "OVERFLOW": OVERFLOW_CODES[str(node.attrs["overflow"].value)],
    }
    return params, _rq_words(mults, shifts, lanes, mult_w, shift_w)


class Planner:
    """Builds a `Plan` from a quantized graph and its streaming schedule."""

    def __init__(self, graph: Graph, schedule: Any) -> None:
        self.graph = graph
        self.schedule = schedule
        self.names = NameTable()
        self.units: list[Unit] = []
        self.stream: Stream | None = None
        self.value: str | None = None

    # -- helpers ----------------------------------------------------------------------------
    def _node(self, name: str) -> Node:
        return self.graph.find_node(name)

    def _fail(self, stage: Any, why: str) -> RtlUnsupportedError:
        return RtlUnsupportedError(
            f"Stage {stage.name!r} ({stage.kind}) has no RTL implementation: {why}."
        )

    def _connect(self, lanes: int, stage: Any) -> None:
        """Insert a width converter when the current stream's lanes differ from `lanes`."""
        s = self.stream
        assert s is not None
        if s.lanes == lanes:
            return
        total = len(s.perm)
        if total % lanes:
            raise self._fail(stage, f"{total} elements cannot be cut into beats of {lanes}")
        inst = self.names.claim(f"dwc_{stage.name}", prefix="u")
        self.units.append(
            Unit(
                "ff_dwc",
                inst,
                {"EW": s.width, "IN_N": s.lanes, "OUT_N": lanes},
                s.lanes,
                s.width,
                lanes,
                s.width,
                stage.name,
                f"width converter {s.lanes} -> {lanes} lanes",
            )
        )
        s.lanes = lanes

    def _check_input(self, node: Node, stage: Any) -> None:
        x = node.inputs[0]
        if x is None or x.name != self.value:
            raise self._fail(
                stage, "only linear chains of stages are supported (no branches or residual joins)"
            )

    # -- entry ------------------------------------------------------------------------------
    def plan(self) -> Plan:
        sched = self.schedule
        if sched.mode != "streaming":
            raise RtlUnsupportedError(
                f"Schedule mode {sched.mode!r} has no generated RTL top yet; build with --mode streaming."
            )
        if len(self.graph.inputs) != 1 or len(self.graph.outputs) != 1:
            raise RtlUnsupportedError(
                f"Graph {self.graph.name!r} has {len(self.graph.inputs)} inputs and {len(self.graph.outputs)} outputs;"
                " the RTL top supports exactly one of each."
            )
        if self.graph.static_batch != 1:
            raise RtlUnsupportedError(
                f"Graph {self.graph.name!r} has batch {self.graph.static_batch}; the RTL top needs batch 1."
            )
        top = self.names.claim(f"{self.graph.name}_top", prefix="m")
        input_stream: Stream | None = None
        for stage in sched.stages:
            nodes = [self._node(n) for n in stage.nodes]
            ops = [n.op for n in nodes]
            if ops == ["Quantize"]:
                input_stream = self._input(nodes[0], stage)
            elif self.stream is None:
                raise self._fail(stage, "the first stage must be the input Quantize")
            elif stage.kind == "mvau" and ops[0] == "Dense":
                self._mvau(stage, nodes)
            elif stage.kind == "conv" and ops[0] == "Conv":
                self._conv(stage, nodes)
            elif stage.kind == "pool" and ops[0] in ("Pool", "GlobalPool") and len(nodes) == 1:
                self._pool(stage, nodes[0], nodes[0].op == "GlobalPool")
            elif stage.kind == "requant" and ops == ["Requant"]:
                self._rqstage(stage, nodes[0], relu=False, requant=nodes[0])
            elif (
                stage.kind == "eltwise"
                and ops == ["Activation"]
                and nodes[0].attrs.get("func") == "relu"
            ):
                self._rqstage(stage, nodes[0], relu=True, requant=None)
            elif stage.kind == "stream" and all(
                op in ("Reshape", "Flatten", "Identity") for op in ops
            ):
                for node in nodes:
                    self._check_input(node, stage)
                    self.stream.chw = None  # type: ignore[union-attr]
                    self.value = node.outputs[0].name
            else:
                raise self._fail(stage, f"no RTL unit for ops {ops}")
        out_value = self.graph.outputs[0].name
        if self.value != out_value or input_stream is None or self.stream is None:
            raise RtlUnsupportedError(
                f"Graph {self.graph.name!r}: the stages do not form one chain from the input to output {out_value!r}."
            )
        estimates = [
            {
                "name": layer.name,
                "kind": layer.kind,
                "cycles": layer.estimates.cycles,
                "ii": layer.estimates.ii,
            }
            for layer in sched.report.layers
        ]
        return Plan(
            top=top,
            units=self.units,
            input=input_stream,
            output=self.stream,
            input_name=self.graph.inputs[0].name,
            output_name=out_value,
            in_elements=len(input_stream.perm),
            out_elements=len(self.stream.perm),
            stage_estimates=estimates,
        )

    # -- stages -----------------------------------------------------------------------------
    def _input(self, node: Node, stage: Any) -> Stream:
        y = node.outputs[0]
        width, signed = type_bits(y.dtype)
        shape = tuple(int(d) for d in y.shape)
        lanes = int(stage.folding.get("pe", 1))
        if len(shape) == 4:
            _, c, h, w = shape
            perm = np.arange(c * h * w).reshape(c, h, w).transpose(1, 2, 0).reshape(-1)
            chw: tuple[int, int, int] | None = (c, h, w)
        elif len(shape) == 2:
            perm, chw = np.arange(shape[1]), None
        else:
            raise self._fail(stage, f"input of shape {shape} (need N×C or N×C×H×W)")
        if len(perm) % lanes:
            lanes = 1
        self.stream = Stream(lanes, width, signed, perm, chw)
        self.value = y.name
        return Stream(lanes, width, signed, perm.copy(), chw)

    def _epilogue(self, stage: Any, nodes: list[Node]) -> tuple[bool, Node | None, list[Node]]:
        relu, rq, rest = False, None, []
        for node in nodes[1:]:
            if (
                node.op == "Activation"
                and node.attrs.get("func") == "relu"
                and rq is None
                and not relu
            ):
                relu = True
            elif node.op == "Requant" and rq is None:
                rq = node
            else:
                rest.append(node)
        return relu, rq, rest

    def _mac_common(
        self, anchor: Node, relu: bool, rq: Node | None, pe: int, stage: Any
    ) -> tuple[dict, list[str], list[str], int, int, bool]:
        w_val, b_val = anchor.inputs[1], anchor.input(2)
        wt_bits, wt_signed = type_bits(w_val.dtype)
        wt_w = wt_bits + (0 if wt_signed else 1)
        acc_t = anchor.outputs[0].dtype
        acc_bits, acc_signed = type_bits(acc_t)
        acc_w = acc_bits + (0 if acc_signed else 1) + 1
        channels = int(w_val.const.shape[0])
        bias = (
            b_val.const.astype(np.int64)
            if b_val is not None
            else np.zeros(channels, dtype=np.int64)
        )
        bias_words = [
            _hex([int(bias[g * pe + p]) for p in range(pe)], acc_w) for g in range(channels // pe)
        ]
        rq_params, rq_words = _rq_common(rq, channels, pe)
        if rq is None:
            out_w, out_signed = acc_w, True
            rq_params.update({"OUT_W": acc_w, "OUT_SIGNED": 1})
        else:
            out_w, out_signed = type_bits(rq.attrs["to"])
        params = {"WT_W": wt_w, "ACC_W": acc_w, "RELU": int(relu), **rq_params}
        return params, bias_words, rq_words, out_w, channels, out_signed

    def _weight_words(self, matrix: np.ndarray, pe: int, simd: int, wt_w: int) -> list[str]:
        mh, mw = matrix.shape
        words = []
        for nf in range(mh // pe):
            for sf in range(mw // simd):
                block = matrix[nf * pe : (nf + 1) * pe, sf * simd : (sf + 1) * simd]
                words.append(_hex([int(v) for v in block.reshape(-1)], wt_w))
        return words

    def _mvau(self, stage: Any, nodes: list[Node]) -> None:
        anchor = nodes[0]
        self._check_input(anchor, stage)
        relu, rq, rest = self._epilogue(stage, nodes)
        if rest:
            raise self._fail(stage, f"fused ops {[n.op for n in rest]} after Dense")
        s = self.stream
        assert s is not None
        weights = anchor.inputs[1].const.astype(np.int64)
        mh, mw = weights.shape
        if len(s.perm) != mw:
            raise self._fail(stage, f"input has {len(s.perm)} elements, weights expect {mw}")
        pe, simd = int(stage.folding["pe"]), int(stage.folding["simd"])
        if mh % pe or mw % simd:
            raise self._fail(stage, f"PE {pe} / SIMD {simd} must divide {mh} x {mw}")
        matrix = weights[:, s.perm]
        self._connect(simd, stage)
        params, bias_words, rq_words, out_w, channels, out_signed = self._mac_common(
            anchor, relu, rq, pe, stage
        )
        idx = len(self.units)
        base = f"s{idx:02d}"
        mems = {
            f"mem/{base}_w.hex": self._weight_words(matrix, pe, simd, params["WT_W"]),
            f"mem/{base}_b.hex": bias_words,
            f"mem/{base}_q.hex": rq_words,
        }
        inst = self.names.claim(stage.name, prefix="u")
        self.units.append(
            Unit(
                "ff_mvau",
                inst,
                {
                    "MH": mh,
                    "MW": mw,
                    "PE": pe,
                    "SIMD": simd,
                    "IN_W": s.width,
                    "IN_SIGNED": int(s.signed),
                    **params,
                    "WEIGHT_FILE": f"mem/{base}_w.hex",
                    "BIAS_FILE": f"mem/{base}_b.hex",
                    "RQ_FILE": f"mem/{base}_q.hex",
                },
                simd,
                s.width,
                pe,
                out_w,
                stage.name,
                comment_safe(f"mvau {stage.name}"),
                mems,
            )
        )
        self.stream = Stream(pe, out_w, out_signed, np.arange(channels), None)
        self.value = nodes[-1].outputs[0].name

    def _conv(self, stage: Any, nodes: list[Node]) -> None:
        anchor = nodes[0]
        self._check_input(anchor, stage)
        pool = nodes[-1] if nodes[-1].op in ("Pool", "GlobalPool") else None
        relu, rq, rest = self._epilogue(stage, nodes[:-1] if pool is not None else nodes)
        if rest:
            raise self._fail(stage, f"fused ops {[n.op for n in rest]} after Conv")
        s = self.stream
        assert s is not None
        if s.chw is None:
            raise self._fail(stage, "the input is not a feature map")
        if int(anchor.attrs.get("group", 1)) != 1:
            raise self._fail(stage, "grouped convolution")
        if tuple(anchor.attrs.get("dilations") or (1, 1)) != (1, 1):
            raise self._fail(stage, "dilated convolution")
        weights = anchor.inputs[1].const.astype(np.int64)
        if weights.ndim != 4:
            raise self._fail(stage, "only 2-D convolutions")
        cout, cin, kh, kw = weights.shape
        c, h, w = s.chw
        oh, ow = (int(d) for d in anchor.outputs[0].shape[2:])
        sh, sw = (int(v) for v in (anchor.attrs.get("strides") or (1, 1)))
        pads = tuple(int(v) for v in (anchor.attrs.get("pads") or (0, 0, 0, 0)))
        pe, simd = int(stage.folding["pe"]), int(stage.folding["simd"])
        mw = kh * kw * cin
        if cout % pe or mw % simd:
            raise self._fail(stage, f"PE {pe} / SIMD {simd} must divide {cout} x {mw}")
        in_n = min(simd, cin)
        if cin % in_n:
            raise self._fail(stage, f"{cin} channels cannot be read {in_n} per beat")
        self._connect(in_n, stage)
        depth = max(2, min(h * w * cin // in_n, 256))
        self.units.append(
            Unit(
                "ff_fifo",
                self.names.claim(f"fifo_{stage.name}", prefix="u"),
                {"W": in_n * s.width, "DEPTH": depth},
                in_n,
                s.width,
                in_n,
                s.width,
                stage.name,
                f"input FIFO of {depth} beats: absorbs the line buffer's frame-boundary stalls",
            )
        )
        idx = len(self.units)
        base = f"s{idx:02d}"
        swu_inst = self.names.claim(f"swu_{stage.name}", prefix="u")
        self.units.append(
            Unit(
                "ff_swu",
                swu_inst,
                {
                    "EW": s.width,
                    "C": cin,
                    "H": h,
                    "W": w,
                    "KH": kh,
                    "KW": kw,
                    "SH": sh,
                    "SW": sw,
                    "PT": pads[0],
                    "PL": pads[1],
                    "OH": oh,
                    "OW": ow,
                    "IN_N": in_n,
                    "SIMD": simd,
                },
                in_n,
                s.width,
                simd,
                s.width,
                stage.name,
                comment_safe(f"sliding window {stage.name}"),
            )
        )
        matrix = weights.transpose(0, 2, 3, 1).reshape(cout, mw)
        params, bias_words, rq_words, out_w, channels, out_signed = self._mac_common(
            anchor, relu, rq, pe, stage
        )
        mems = {
            f"mem/{base}_w.hex": self._weight_words(matrix, pe, simd, params["WT_W"]),
            f"mem/{base}_b.hex": bias_words,
            f"mem/{base}_q.hex": rq_words,
        }
        inst = self.names.claim(stage.name, prefix="u")
        self.units.append(
            Unit(
                "ff_mvau",
                inst,
                {
                    "MH": cout,
                    "MW": mw,
                    "PE": pe,
                    "SIMD": simd,
                    "IN_W": s.width,
                    "IN_SIGNED": int(s.signed),
                    **params,
                    "WEIGHT_FILE": f"mem/{base}_w.hex",
                    "BIAS_FILE": f"mem/{base}_b.hex",
                    "RQ_FILE": f"mem/{base}_q.hex",
                },
                simd,
                s.width,
                pe,
                out_w,
                stage.name,
                comment_safe(f"conv MAC array {stage.name}"),
                mems,
            )
        )
        perm = np.arange(cout * oh * ow).reshape(cout, oh, ow).transpose(1, 2, 0).reshape(-1)
        self.stream = Stream(pe, out_w, out_signed, perm, (cout, oh, ow))
        self.value = (nodes[:-1] if pool is not None else nodes)[-1].outputs[0].name
        if pool is not None:
            self._pool(stage, pool, pool.op == "GlobalPool", fused=True)

    def _pool(self, stage: Any, node: Node, is_global: bool, *, fused: bool = False) -> None:
        self._check_input(node, stage)
        s = self.stream
        assert s is not None
        if s.chw is None:
            raise self._fail(stage, "pooling needs a feature map")
        c, h, w = s.chw
        kind = node.attrs.get("kind", "max")
        if kind not in ("max", "avg"):
            raise self._fail(stage, f"{kind} pooling")
        if is_global:
            kh, kw = h, w
        else:
            kh, kw = (int(v) for v in node.attrs["kernel"])
            strides = tuple(int(v) for v in (node.attrs.get("strides") or (kh, kw)))
            pads = tuple(int(v) for v in (node.attrs.get("pads") or (0, 0, 0, 0)))
            if strides != (kh, kw) or any(pads) or h % kh or w % kw:
                raise self._fail(
                    stage, "only non-overlapping unpadded pooling windows that tile the input"
                )
        lanes = s.lanes if fused else int(stage.folding.get("pe", 1))
        if c % lanes:
            lanes = 1
        self._connect(lanes, stage)
        out_w, out_signed = type_bits(node.outputs[0].dtype)
        inst = self.names.claim(f"pool_{stage.name}" if fused else stage.name, prefix="u")
        self.units.append(
            Unit(
                "ff_pool",
                inst,
                {
                    "IN_W": s.width,
                    "IN_SIGNED": int(s.signed),
                    "OUT_W": out_w,
                    "C": c,
                    "W": w,
                    "KH": kh,
                    "KW": kw,
                    "LANES": lanes,
                    "MODE": 0 if kind == "max" else 1,
                },
                lanes,
                s.width,
                lanes,
                out_w,
                stage.name,
                comment_safe(f"{kind} pool {stage.name}"),
            )
        )
        oh, ow = h // kh, w // kw
        perm = np.arange(c * oh * ow).reshape(c, oh, ow).transpose(1, 2, 0).reshape(-1)
        self.stream = Stream(lanes, out_w, out_signed, perm, (c, oh, ow))
        self.value = node.outputs[0].name

    def _rqstage(self, stage: Any, node: Node, *, relu: bool, requant: Node | None) -> None:
        self._check_input(node, stage)
        s = self.stream
        assert s is not None
        axis = int(node.attrs.get("axis", 1)) if requant is not None else 1
        shape = tuple(int(d) for d in node.inputs[0].shape)
        channels = shape[axis] if len(shape) > axis else 1
        per_channel = requant is not None and (
            isinstance(requant.attrs["multiplier"], tuple)
            or isinstance(requant.attrs["shift"], tuple)
        )
        if per_channel and s.chw is None and len(shape) != 2:
            raise self._fail(stage, "per-channel requant on an unknown layout")
        lanes = int(stage.folding.get("pe", 1))
        if channels % lanes:
            lanes = 1
        self._connect(lanes, stage)
        rq_channels = channels if per_channel else lanes
        params, words = _rq_common(requant, rq_channels, lanes)
        if requant is None:
            params.update({"OUT_W": s.width, "OUT_SIGNED": int(s.signed)})
            out_w, out_signed = s.width, s.signed
        else:
            out_w, out_signed = type_bits(requant.attrs["to"])
        idx = len(self.units)
        name = f"mem/s{idx:02d}_q.hex"
        inst = self.names.claim(stage.name, prefix="u")
        self.units.append(
            Unit(
                "ff_rqstage",
                inst,
                {
                    "IN_W": s.width,
                    "IN_SIGNED": int(s.signed),
                    "C": rq_channels,
                    "LANES": lanes,
                    "RELU": int(relu),
                    **params,
                    "RQ_FILE": name,
                },
                lanes,
                s.width,
                lanes,
                out_w,
                stage.name,
                comment_safe(f"requant {stage.name}"),
                {name: words},
            )
        )
        self.stream = Stream(lanes, out_w, out_signed, s.perm, s.chw)
        self.value = node.outputs[0].name
