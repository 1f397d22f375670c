"""Map a streaming `Schedule` of a quantized graph onto RTL library units.

The RTL streams tensors in channel-fastest order (NHWC for feature maps), `lanes`
elements per beat. Every stream carries `perm`: the logical (row-major, NCHW)
flat index of each stream position, so flattening is free and the Dense weights
after a flatten are permuted instead of the data. Lane counts follow the
schedule's folding (PE outputs, SIMD inputs); width converters join stages whose
lane counts differ.

Units are wired by name (`Unit.inputs`/`outputs`, `Plan.wires`): a value read by several
stages goes through `ff_fork`s, a residual Add (`ff_add`) gets a skip FIFO on the branch
that arrives first (sized to one frame: the schedule's latency-based depth deadlocks against
the line buffers), activations other than ReLU become `ff_lutact` ROMs filled from the node's
`compute_int`. In tiled mode the whole chain of Dense layers runs on one `ff_tiled_gemm`
engine driven by a command ROM.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from fpgaforge.ir.graph import Graph
from fpgaforge.ir.node import Node
from fpgaforge.numerics.codes import OVERFLOW_CODES, ROUNDING_CODES
from fpgaforge.rtl.errors import RtlUnsupportedError
from fpgaforge.rtl.naming import NameTable, comment_safe
from fpgaforge.units.cost.resource_model import mvau_dsp_pack, weight_ram


@dataclass
class Stream:
    """A tensor on the wire: lanes per beat, element width and signedness, element order."""

    lanes: int
    width: int
    signed: bool
    perm: np.ndarray
    chw: tuple[int, int, int] | None
    depth: int = 0  # sliding-window units since the input (which branch of a join lags)

    def copy(self) -> Stream:
        """An independent copy (forks hand each consumer its own)."""
        return Stream(self.lanes, self.width, self.signed, self.perm.copy(), self.chw, self.depth)


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
    inputs: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)


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
    wires: dict[str, int] = field(default_factory=dict)
    in_wire: str = "w0"
    out_wire: str = "w0"


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


def _stage_estimates(sched: Any) -> list[dict[str, Any]]:
    """Per-stage cycles and interval the schedule estimated (for the project's report)."""
    return [
        {
            "name": layer.name,
            "kind": layer.kind,
            "cycles": layer.estimates.cycles,
            "ii": layer.estimates.ii,
        }
        for layer in sched.report.layers
    ]


def _tile_rows(matrix: np.ndarray, rows: int, cols: int, wt_w: int) -> list[str]:
    """Weight ROM words of a zero-padded K x N matrix for a rows x cols systolic array: tile
    (nt, kt) in column-tile-major order, one word per tile row (cols weights, column 0 low)."""
    k_pad, n_pad = matrix.shape
    words = []
    for nt in range(n_pad // cols):
        for kt in range(k_pad // rows):
            for r in range(rows):
                row = matrix[kt * rows + r, nt * cols : (nt + 1) * cols]
                words.append(_hex([int(v) for v in row], wt_w))
    return words


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


def _canonical_order(shape: tuple[int, ...]) -> tuple[np.ndarray, tuple[int, int, int] | None]:
    """(perm, chw) of a tensor streamed in the RTL's order: NHWC for N×C×H×W, else row-major."""
    total = int(np.prod(shape))
    if len(shape) == 4 and shape[0] == 1:
        _, c, h, w = shape
        return np.arange(total).reshape(c, h, w).transpose(1, 2, 0).reshape(-1), (c, h, w)
    return np.arange(total), None


def _transpose_order(in_perm: np.ndarray, in_shape: tuple[int, ...], axes: Any) -> np.ndarray:
    """For each logical (row-major) output index of a Transpose, the input stream position
    of its element; `axes` is the ONNX `perm` (None: reversed axes)."""
    axes = tuple(int(a) for a in axes) if axes else tuple(reversed(range(len(in_shape))))
    source = np.arange(int(np.prod(in_shape))).reshape(in_shape).transpose(axes).reshape(-1)
    position = np.empty(len(in_perm), dtype=np.int64)
    position[in_perm] = np.arange(len(in_perm))
    return position[source]


def _order_words(order: np.ndarray, pe: int) -> list[str]:
    """ff_reorder's index ROM: per output beat, one field per lane holding the input beat
    (high bits) and input lane (low bits) of that lane's element."""
    beats = len(order) // pe
    lane_bits = max(1, (pe - 1).bit_length())
    field = max(1, (beats - 1).bit_length()) + lane_bits
    codes = [(int(i) // pe) << lane_bits | int(i) % pe for i in order]
    return [_hex(codes[b * pe : (b + 1) * pe], field) for b in range(beats)]


class Planner:
    """Builds a `Plan` from a quantized graph and its streaming schedule."""

    def __init__(self, graph: Graph, schedule: Any) -> None:
        self.graph = graph
        self.schedule = schedule
        self.names = NameTable()
        self.units: list[Unit] = []
        self.stream: Stream | None = None
        self.value: str | None = None
        self.wire = "w0"
        self.wires: dict[str, int] = {}
        self.avail: dict[str, list[tuple[str, Stream]]] = {}
        self.consumers = self._count_consumers()

    # -- helpers ----------------------------------------------------------------------------
    def _node(self, name: str) -> Node:
        return self.graph.find_node(name)

    def _fail(self, stage: Any, why: str) -> RtlUnsupportedError:
        return RtlUnsupportedError(
            f"Stage {stage.name!r} ({stage.kind}) has no RTL implementation: {why}."
        )

    def _count_consumers(self) -> dict[str, int]:
        """How many stages (and graph outputs) read each value produced by a node."""
        produced = {o.name for n in self.graph.nodes for o in n.outputs}
        count: dict[str, int] = {}
        for stage in self.schedule.stages:
            inside = {o.name for name in stage.nodes for o in self._node(name).outputs}
            external: set[str] = set()
            for name in stage.nodes:
                for v in self._node(name).inputs:
                    if v is not None and v.name in produced and v.name not in inside:
                        external.add(v.name)
            for name in external:
                count[name] = count.get(name, 0) + 1
        for out in self.graph.outputs:
            count[out.name] = count.get(out.name, 0) + 1
        return count

    def _new_wire(self, bits: int) -> str:
        name = f"w{len(self.wires)}"
        self.wires[name] = bits
        return name

    def _add(self, unit: Unit) -> None:
        """Append a one-input, one-output unit fed by the current wire."""
        unit.inputs = [self.wire]
        self.wire = self._new_wire(unit.out_lanes * unit.out_width)
        unit.outputs = [self.wire]
        self.units.append(unit)

    def _take(self, value: str, stage: Any) -> None:
        """Make `value` the current stream (one of its fork outputs when it has several readers)."""
        entries = self.avail.get(value)
        if not entries:
            raise self._fail(stage, f"its input {value!r} is not available as a stream")
        self.wire, self.stream = entries.pop(0)
        self.value = value

    def _publish(self, stage: Any) -> None:
        """Offer the current stream to its readers, forking it (ff_fork) when there are several."""
        s = self.stream
        assert s is not None and self.value is not None
        readers = self.consumers.get(self.value, 1)
        entries: list[tuple[str, Stream]] = []
        wire = self.wire
        for k in range(readers - 1):
            bits = self.wires[wire]
            a, b = self._new_wire(bits), self._new_wire(bits)
            self.units.append(
                Unit(
                    "ff_fork",
                    self.names.claim(f"fork_{stage.name}", prefix="u"),
                    {"W": bits},
                    s.lanes,
                    s.width,
                    s.lanes,
                    s.width,
                    stage.name,
                    f"broadcast to reader {k + 1} of {readers}",
                    inputs=[wire],
                    outputs=[a, b],
                )
            )
            entries.append((a, s.copy()))
            wire = b
        entries.append((wire, s.copy()))
        self.avail[self.value] = entries

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
        params = {"EW": s.width, "IN_N": s.lanes, "OUT_N": lanes}
        if s.lanes > lanes:
            # a downsizer buffers the producer's longest back-to-back burst, so it never
            # stalls it (a stall there would hold up the producer's whole pipeline)
            params["SPARE"] = max(2, self._burst_beats())
        self._add(
            Unit(
                "ff_dwc",
                inst,
                params,
                s.lanes,
                s.width,
                lanes,
                s.width,
                stage.name,
                f"width converter {s.lanes} -> {lanes} lanes",
            )
        )
        s.lanes = lanes

    def _burst_beats(self) -> int:
        """Beats the unit feeding the current stream can emit on consecutive cycles."""
        last = self.units[-1] if self.units else None
        if last is None:
            return 0
        p = last.params
        if last.module == "ff_pool":
            return int(p["C"]) // int(p["LANES"])
        if last.module == "ff_mvau" and int(p["MW"]) == int(p["SIMD"]):
            return int(p["MH"]) // int(p["PE"])
        if last.module == "ff_vvau" and int(p["K"]) == int(p["SIMD"]):
            return int(p["CH"]) // int(p["PE"])
        return 0

    def _check_input(self, node: Node, stage: Any) -> None:
        x = node.inputs[0]
        if x is None or x.name != self.value:
            raise self._fail(stage, f"node {node.name!r} does not read the stage's stream")

    # -- entry ------------------------------------------------------------------------------
    def plan(self) -> Plan:
        sched = self.schedule
        if sched.mode not in ("streaming", "tiled"):
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
        if sched.mode == "tiled":
            return self._tiled(top)
        input_stream: Stream | None = None
        self.wires["w0"] = 0
        for stage in sched.stages:
            nodes = [self._node(n) for n in stage.nodes]
            ops = [n.op for n in nodes]
            if ops == ["Quantize"] and input_stream is None:
                input_stream = self._input(nodes[0], stage)
                self.wires["w0"] = input_stream.lanes * input_stream.width
                self._publish(stage)
                continue
            if input_stream is None:
                raise self._fail(stage, "the first stage must be the input Quantize")
            if stage.kind == "eltwise" and ops == ["Add"]:
                self._join(stage, nodes[0])
                self._publish(stage)
                continue
            first = nodes[0].inputs[0]
            if first is None:
                raise self._fail(stage, "its first node has no input")
            self._take(first.name, stage)
            if stage.kind == "mvau" and ops[0] == "Dense":
                self._mvau(stage, nodes)
            elif stage.kind == "conv" and ops[0] == "Conv":
                self._conv(stage, nodes)
            elif stage.kind == "depthwise" and ops[0] in ("Conv", "DepthwiseConv"):
                self._depthwise(stage, nodes)
            elif stage.kind == "pool" and ops[0] in ("Pool", "GlobalPool") and len(nodes) == 1:
                self._pool(stage, nodes[0], nodes[0].op == "GlobalPool")
            elif stage.kind == "requant" and ops == ["Requant"]:
                self._rqstage(stage, nodes[0], relu=False, requant=nodes[0])
            elif (
                stage.kind == "eltwise"
                and ops == ["Activation"]
                and nodes[0].attrs.get("func") == "relu"
            ):
                last = self.units[-1] if self.units else None
                if (
                    last is not None
                    and last.module == "ff_add"
                    and last.outputs == [self.wire]
                    and not last.params["RELU"]
                ):
                    last.params["RELU"] = 1  # fused into the residual add
                    last.comment = comment_safe(f"{last.comment} + relu")
                    self._check_input(nodes[0], stage)
                    self.value = nodes[0].outputs[0].name
                else:
                    self._rqstage(stage, nodes[0], relu=True, requant=None)
            elif stage.kind == "eltwise" and ops == ["Activation"]:
                self._lutact(stage, nodes[0])
            elif stage.kind == "stream" and ops == ["Transpose"]:
                self._reorder(stage, nodes[0])
            elif stage.kind == "stream" and all(
                op in ("Reshape", "Flatten", "Identity") for op in ops
            ):
                for node in nodes:
                    self._check_input(node, stage)
                    self.stream.chw = None  # type: ignore[union-attr]
                    self.value = node.outputs[0].name
            else:
                raise self._fail(stage, f"no RTL unit for ops {ops}")
            self._publish(stage)
        out_value = self.graph.outputs[0].name
        entries = self.avail.get(out_value) or []
        if len(entries) != 1 or input_stream is None:
            raise RtlUnsupportedError(
                f"Graph {self.graph.name!r}: the stages do not form a graph from the input to output {out_value!r}."
            )
        self.wire, self.stream = entries[0]
        return Plan(
            top=top,
            units=self.units,
            input=input_stream,
            output=self.stream,
            input_name=self.graph.inputs[0].name,
            output_name=out_value,
            in_elements=len(input_stream.perm),
            out_elements=len(self.stream.perm),
            stage_estimates=_stage_estimates(sched),
            wires=dict(self.wires),
            in_wire="w0",
            out_wire=self.wire,
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
        self.wire = "w0"
        return self.stream.copy()

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

    def _mvau_implementation(
        self,
        stage: Any,
        anchor: Node,
        rq: Node | None,
        channels: int,
        pe: int,
        simd: int,
        weight_words: int,
        in_w: int,
    ) -> dict[str, int]:
        """ff_mvau's implementation choices: DSP packing of PE pairs, weight ROM in block RAM
        or logic (as the resource model places it), and a shift-only requant."""
        wt_w = type_bits(anchor.inputs[1].dtype)[0]
        board = self.schedule.board
        return {
            "DSP_PACK": mvau_dsp_pack(board, pe, wt_w, in_w),
            "WEIGHT_RAM": weight_ram(
                board, pe * simd * wt_w, weight_words, str(stage.folding.get("weight_mem", "auto"))
            ),
            "RQ_SHIFT_ONLY": int(rq is not None and set(_requant_params(rq, channels)[0]) == {1}),
        }

    def _mvau(self, stage: Any, nodes: list[Node]) -> None:
        anchor = nodes[0]
        self._check_input(anchor, stage)
        relu, rq, rest = self._epilogue(stage, nodes)
        if any(n.op not in ("Requant", "Activation") for n in rest):
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
        self._add(
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
                    **self._mvau_implementation(
                        stage, anchor, rq, channels, pe, simd, (mh // pe) * (mw // simd), s.width
                    ),
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
        self.stream = Stream(pe, out_w, out_signed, np.arange(channels), None, s.depth)
        self.value = [n for n in nodes if n not in rest][-1].outputs[0].name
        self._extra_requants(stage, rest)

    def _extra_requants(self, stage: Any, extra: list[Node]) -> None:
        """Ops fused after a MAC stage's epilogue: further Requants (e.g. the alignment before a
        residual add) as ff_rqstage, activations (tables, clip) as ff_lutact."""
        for node in extra:
            assert self.stream is not None
            if node.op == "Requant":
                self._rqstage(stage, node, relu=False, requant=node, lanes=self.stream.lanes)
            else:
                self._lutact(stage, node, lanes=self.stream.lanes)

    def _conv(self, stage: Any, nodes: list[Node]) -> None:
        anchor = nodes[0]
        self._check_input(anchor, stage)
        pool = nodes[-1] if nodes[-1].op in ("Pool", "GlobalPool") else None
        body = nodes[:-1] if pool is not None else nodes
        relu, rq, rest = self._epilogue(stage, body)
        if any(n.op not in ("Requant", "Activation") for n in rest):
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
        self._add(
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
        self._add(
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
        self._add(
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
                    **self._mvau_implementation(
                        stage, anchor, rq, channels, pe, simd, (cout // pe) * (mw // simd), s.width
                    ),
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
        self.stream = Stream(pe, out_w, out_signed, perm, (cout, oh, ow), s.depth + 1)
        self.value = [n for n in body if n not in rest][-1].outputs[0].name
        self._extra_requants(stage, rest)
        if pool is not None:
            self._pool(stage, pool, pool.op == "GlobalPool", fused=True)

    def _depthwise(self, stage: Any, nodes: list[Node]) -> None:
        """A depthwise Conv (group == channels, `multiplier` filters per channel) as
        ff_fifo → ff_swu (depthwise window order) → ff_vvau."""
        from fpgaforge.units.depthwise.cost import window_lanes

        anchor = nodes[0]
        self._check_input(anchor, stage)
        relu, rq, rest = self._epilogue(stage, nodes)
        if any(n.op not in ("Requant", "Activation") for n in rest):
            raise self._fail(stage, f"fused ops {[n.op for n in rest]} after depthwise Conv")
        geo = self._dw_geometry(stage, anchor)
        s = self.stream
        assert s is not None
        pe, simd = int(stage.folding["pe"]), int(stage.folding["simd"])
        taps = geo["KH"] * geo["KW"]
        if geo["CH"] % pe or taps % simd:
            raise self._fail(stage, f"PE {pe} / SIMD {simd} must divide {geo['CH']} x {taps}")
        in_n = window_lanes(geo["C"], pe)
        self._connect(in_n, stage)
        depth = max(2, min(geo["H"] * geo["W"] * geo["C"] // in_n, 256))
        self._add(
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
        swu = {k: geo[k] for k in ("C", "H", "W", "KH", "KW", "SH", "SW", "PT", "PL", "OH", "OW")}
        self._add(
            Unit(
                "ff_swu",
                self.names.claim(f"swu_{stage.name}", prefix="u"),
                {
                    "EW": s.width,
                    **swu,
                    "IN_N": in_n,
                    "SIMD": pe * simd,
                    "DW_PE": pe,
                    "DW_M": geo["M"],
                },
                in_n,
                s.width,
                pe * simd,
                s.width,
                stage.name,
                comment_safe(f"depthwise sliding window {stage.name}"),
            )
        )
        out_w, out_signed = self._vvau(stage, anchor, relu, rq, pe, simd)
        cout, oh, ow = geo["CH"], geo["OH"], geo["OW"]
        perm = np.arange(cout * oh * ow).reshape(cout, oh, ow).transpose(1, 2, 0).reshape(-1)
        self.stream = Stream(pe, out_w, out_signed, perm, (cout, oh, ow), s.depth + 1)
        self.value = [n for n in nodes if n not in rest][-1].outputs[0].name
        self._extra_requants(stage, rest)

    def _dw_geometry(self, stage: Any, anchor: Node) -> dict[str, int]:
        """ff_swu / ff_vvau geometry of a depthwise Conv; one-sentence errors for what the
        window generator cannot do."""
        s = self.stream
        assert s is not None
        if s.chw is None:
            raise self._fail(stage, f"node {anchor.name!r} reads no feature map")
        weights = anchor.inputs[1].const
        if weights.ndim != 4:
            raise self._fail(stage, f"node {anchor.name!r} is not a 2-D depthwise convolution")
        if tuple(int(v) for v in (anchor.attrs.get("dilations") or (1, 1))) != (1, 1):
            raise self._fail(stage, f"node {anchor.name!r} is a dilated depthwise convolution")
        c, h, w = s.chw
        cout, cin_g, kh, kw = (int(d) for d in weights.shape)
        if int(anchor.attrs.get("group", 1)) != c or cin_g != 1 or cout % c:
            raise self._fail(stage, f"node {anchor.name!r} is not depthwise (group == channels)")
        sh, sw = (int(v) for v in (anchor.attrs.get("strides") or (1, 1)))
        pads = tuple(int(v) for v in (anchor.attrs.get("pads") or (0, 0, 0, 0)))
        oh, ow = (int(d) for d in anchor.outputs[0].shape[2:])
        fits = (
            (h + pads[0] + pads[2] - kh) // max(sh, 1) + 1,
            (w + pads[1] + pads[3] - kw) // max(sw, 1) + 1,
        )
        if min(sh, sw) < 1 or min(pads) < 0 or fits != (oh, ow):
            raise self._fail(
                stage,
                f"node {anchor.name!r} has strides {(sh, sw)} and pads {pads} the window"
                " generator cannot do",
            )
        return {
            "C": c, "M": cout // c, "CH": cout, "H": h, "W": w, "KH": kh, "KW": kw,
            "SH": sh, "SW": sw, "PT": pads[0], "PL": pads[1], "OH": oh, "OW": ow,
        }  # fmt: skip

    def _vvau(
        self, stage: Any, anchor: Node, relu: bool, rq: Node | None, pe: int, simd: int
    ) -> tuple[int, bool]:
        """The ff_vvau unit of a depthwise Conv, fed by the current (window) stream; returns
        its output width and signedness."""
        s = self.stream
        assert s is not None
        weights = anchor.inputs[1].const.astype(np.int64)
        cout, taps = int(weights.shape[0]), int(weights.shape[2] * weights.shape[3])
        params, bias_words, rq_words, out_w, _, out_signed = self._mac_common(
            anchor, relu, rq, pe, stage
        )
        flat = weights.reshape(cout, taps)
        words = [
            _hex(
                [int(flat[g * pe + p, f * simd + t]) for t in range(simd) for p in range(pe)],
                params["WT_W"],
            )
            for g in range(cout // pe)
            for f in range(taps // simd)
        ]
        base = f"mem/s{len(self.units):02d}"
        inst = self.names.claim(stage.name, prefix="u")
        self._add(
            Unit(
                "ff_vvau",
                inst,
                {
                    "CH": cout,
                    "K": taps,
                    "PE": pe,
                    "SIMD": simd,
                    "IN_W": s.width,
                    "IN_SIGNED": int(s.signed),
                    "WT_SIGNED": 1,
                    **params,
                    "WEIGHT_FILE": f"{base}_w.hex",
                    "BIAS_FILE": f"{base}_b.hex",
                    "RQ_FILE": f"{base}_q.hex",
                },
                pe * simd,
                s.width,
                pe,
                out_w,
                stage.name,
                comment_safe(f"depthwise MAC array {stage.name}"),
                {f"{base}_w.hex": words, f"{base}_b.hex": bias_words, f"{base}_q.hex": rq_words},
            )
        )
        return out_w, out_signed

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
        self._add(
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
        self.stream = Stream(lanes, out_w, out_signed, perm, (c, oh, ow), s.depth)
        self.value = node.outputs[0].name

    def _rqstage(
        self,
        stage: Any,
        node: Node,
        *,
        relu: bool,
        requant: Node | None,
        lanes: int | None = None,
    ) -> None:
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
        if lanes is None:
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
        self._add(
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
        self.stream = Stream(lanes, out_w, out_signed, s.perm, s.chw, s.depth)
        self.value = node.outputs[0].name

    def _join(self, stage: Any, node: Node) -> None:
        """Residual Add of two aligned streams: the branch that arrives first goes through a
        skip FIFO (ff_fifo), then ff_add; a lane converter on either side when needed."""
        a_val, b_val = node.inputs[0], node.inputs[1]
        if a_val is None or b_val is None or a_val.shape != b_val.shape:
            raise self._fail(stage, "the Add needs two inputs of one shape (no broadcasting)")
        for v in (a_val, b_val):
            t = v.dtype
            if getattr(t, "frac_bits", 0) != getattr(a_val.dtype, "frac_bits", 0):
                raise self._fail(stage, "the Add's inputs are not aligned to one lsb")
        lanes = int(stage.folding.get("pe", 1))
        sides: list[tuple[str, Stream]] = []
        for v in (a_val, b_val):
            self._take(v.name, stage)
            s = self.stream
            assert s is not None
            total = len(s.perm)
            if (s.chw[0] if s.chw else total) % lanes:
                lanes = 1
            sides.append((self.wire, s))
        if not np.array_equal(sides[0][1].perm, sides[1][1].perm):
            raise self._fail(stage, "the Add's inputs arrive in different element orders")
        early = 0 if sides[0][1].depth < sides[1][1].depth else 1
        joined: list[tuple[str, Stream]] = []
        for k, (wire, s) in enumerate(sides):
            self.wire, self.stream = wire, s
            self._connect(lanes, stage)
            if k == early:
                frame = len(s.perm) // lanes
                sched_depth = int(stage.folding.get("skip_fifo_depth", 2))
                depth = max(2, -(-sched_depth // lanes), frame)
                self._add(
                    Unit(
                        "ff_fifo",
                        self.names.claim(f"skip_{stage.name}", prefix="u"),
                        {"W": lanes * s.width, "DEPTH": depth},
                        lanes,
                        s.width,
                        lanes,
                        s.width,
                        stage.name,
                        comment_safe(
                            f"skip FIFO of {depth} beats (schedule: {sched_depth} elements;"
                            " one frame keeps the join deadlock-free)"
                        ),
                    )
                )
            joined.append((self.wire, self.stream))
        (wa, sa), (wb, sb) = joined
        out_w, out_signed = type_bits(node.outputs[0].dtype)
        wide = max(out_w, sa.width + int(not sa.signed), sb.width + int(not sb.signed))
        self.wire = self._new_wire(lanes * out_w)
        self.units.append(
            Unit(
                "ff_add",
                self.names.claim(stage.name, prefix="u"),
                {
                    "A_W": sa.width,
                    "B_W": sb.width,
                    "A_SIGNED": int(sa.signed),
                    "B_SIGNED": int(sb.signed),
                    "OUT_W": wide,
                    "LANES": lanes,
                    "RELU": 0,
                },
                lanes,
                sa.width,
                lanes,
                wide,
                stage.name,
                comment_safe(f"residual add {stage.name}"),
                inputs=[wa, wb],
                outputs=[self.wire],
            )
        )
        if wide != out_w:
            raise self._fail(stage, f"the sum needs {wide} bits, the Add's type has {out_w}")
        self.stream = Stream(lanes, out_w, out_signed, sa.perm, sa.chw, max(sa.depth, sb.depth))
        self.value = node.outputs[0].name

    def _lutact(self, stage: Any, node: Node, lanes: int | None = None) -> None:
        """An activation as a ROM over the input codes (ff_lutact): the generator evaluates the
        node's integer semantics (`compute_int`: table lookup or clip) once per table entry."""
        from fpgaforge.ir.ops.registry import get as get_op

        self._check_input(node, stage)
        s = self.stream
        assert s is not None
        table = node.annotations.get("table")
        if (
            table is None
            and node.attrs.get("func") not in ("relu",)
            and not (node.attrs.get("func") == "clip" and "clip_codes" in node.annotations)
        ):
            raise self._fail(stage, f"activation {node.attrs.get('func')!r} has no lookup table")
        shift = int(table.shift) if table is not None else 0
        if table is not None and int(table.offset) % (1 << shift):
            raise self._fail(stage, "the table's offset is not a multiple of its bucket size")
        idx_w = s.width - shift
        if idx_w > 12:
            raise self._fail(stage, f"a {idx_w}-bit table index is too wide for a ROM")
        codes = np.arange(1 << idx_w, dtype=np.int64) << shift
        if s.signed:
            codes = np.where(codes >= 1 << (s.width - 1), codes - (1 << s.width), codes)
        out = np.asarray(get_op(node.op).compute_int(node, codes)[0], dtype=np.int64)
        out_w, out_signed = type_bits(node.outputs[0].dtype)
        if lanes is None:
            lanes = int(stage.folding.get("pe", 1))
        channels = s.chw[0] if s.chw else len(s.perm)
        if channels % lanes:
            lanes = 1
        self._connect(lanes, stage)
        name = f"mem/s{len(self.units):02d}_lut.hex"
        self._add(
            Unit(
                "ff_lutact",
                self.names.claim(stage.name, prefix="u"),
                {
                    "IN_W": s.width,
                    "IDX_W": idx_w,
                    "OUT_W": out_w,
                    "LANES": lanes,
                    "LUT_FILE": name,
                },
                lanes,
                s.width,
                lanes,
                out_w,
                stage.name,
                comment_safe(f"lookup-table {node.attrs.get('func')} {stage.name}"),
                {name: [_hex([int(v)], out_w) for v in out]},
            )
        )
        self.stream = Stream(lanes, out_w, out_signed, s.perm, s.chw, s.depth)
        self.value = node.outputs[0].name

    def _reorder(self, stage: Any, node: Node) -> None:
        """A Transpose as an ff_reorder frame buffer (the `stream` template's buffered op).

        The output leaves in the canonical order of its shape (NHWC for a 4-D tensor,
        row-major otherwise); the index ROM lists, for each output stream position, the
        input stream position of its element (the input keeps its own `Stream.perm`)."""
        self._check_input(node, stage)
        s = self.stream
        assert s is not None
        x, y = node.inputs[0], node.outputs[0]
        if type_bits(y.dtype) != (s.width, s.signed):
            raise self._fail(stage, f"node {node.name!r} changes the element type")
        out_perm, chw = _canonical_order(tuple(int(d) for d in y.shape))
        order = _transpose_order(s.perm, tuple(int(d) for d in x.shape), node.attrs.get("perm"))
        total = len(order)
        pe = int(stage.folding.get("pe", 1))
        if total % pe:
            raise self._fail(stage, f"{total} elements cannot be cut into beats of {pe}")
        self._connect(pe, stage)
        name = f"mem/s{len(self.units):02d}_order.hex"
        self._add(
            Unit(
                "ff_reorder",
                self.names.claim(stage.name, prefix="u"),
                {"EW": s.width, "PE": pe, "ELEMS": total, "ORDER_FILE": name},
                pe,
                s.width,
                pe,
                s.width,
                stage.name,
                comment_safe(f"transpose {stage.name}: frame buffer of {total} elements"),
                {name: _order_words(order[out_perm], pe)},
            )
        )
        # a frame buffer lags its input by a whole frame: later than any sliding window
        self.stream = Stream(pe, s.width, s.signed, out_perm, chw, s.depth + 1)
        self.value = y.name

    # -- tiled mode -----------------------------------------------------------------------
    def _tiled(self, top: str) -> Plan:
        """One ff_tiled_gemm engine running every Dense layer from a command ROM."""
        sched = self.schedule
        engine = getattr(sched, "engine", None) or {}
        rows, cols = int(engine.get("rows", 4)), int(engine.get("cols", 4))
        if engine.get("weights", "dram") != "onchip":
            raise RtlUnsupportedError(
                f"Graph {self.graph.name!r}: the tiled RTL engine reads its weights from an on-chip "
                "ROM but this schedule streams them from DRAM; reschedule with "
                "tiled_weights='onchip' (--tiled-weights onchip)."
            )
        if rows < 2:
            raise RtlUnsupportedError(
                f"Graph {self.graph.name!r}: the tiled RTL engine needs at least 2 array rows, "
                f"the schedule has {rows}."
            )
        stages = list(sched.stages)
        if not stages or [self._node(n).op for n in stages[0].nodes] != ["Quantize"]:
            raise RtlUnsupportedError("The tiled RTL engine needs the input Quantize first.")
        qnode = self._node(stages[0].nodes[0])
        value = qnode.outputs[0].name
        act_w, in_signed = type_bits(qnode.outputs[0].dtype)
        layers: list[dict[str, Any]] = []
        for stage in stages[1:]:
            nodes = [self._node(n) for n in stage.nodes]
            ops = [n.op for n in nodes]
            if stage.kind == "stream" and all(
                op in ("Reshape", "Flatten", "Identity") for op in ops
            ):
                value = nodes[-1].outputs[0].name
                continue
            if stage.kind != "tiled_gemm" or ops[0] != "Dense":
                raise self._fail(stage, f"the tiled RTL engine runs Dense layers only, not {ops}")
            anchor = nodes[0]
            if anchor.inputs[0] is None or anchor.inputs[0].name != value:
                raise self._fail(stage, "the tiled RTL engine runs a chain of layers")
            relu, rq, rest = self._epilogue(stage, nodes)
            if rest or rq is None:
                raise self._fail(stage, "each layer needs exactly Dense [ReLU] Requant")
            w = anchor.inputs[1].const.astype(np.int64)
            wt_bits, wt_signed = type_bits(anchor.inputs[1].dtype)
            acc_bits, acc_signed = type_bits(anchor.outputs[0].dtype)
            b_val = anchor.input(2)
            mults, shifts = _requant_params(rq, w.shape[0])
            out_w, out_signed = type_bits(rq.attrs["to"])
            if out_w != act_w:
                raise self._fail(stage, f"{out_w}-bit outputs in a {act_w}-bit engine")
            layers.append(
                {
                    "w": w,
                    "b": b_val.const.astype(np.int64)
                    if b_val is not None
                    else np.zeros(w.shape[0], np.int64),
                    "wt_w": wt_bits + (0 if wt_signed else 1),
                    "acc_w": acc_bits + (0 if acc_signed else 1) + 1,
                    "mults": mults,
                    "shifts": shifts,
                    "relu": relu,
                    "in_signed": in_signed,
                    "out_signed": out_signed,
                    "rounding": ROUNDING_CODES[str(rq.attrs["rounding"].value)],
                    "overflow": OVERFLOW_CODES[str(rq.attrs["overflow"].value)],
                    "stage": stage.name,
                }
            )
            in_signed = out_signed
            value = nodes[-1].outputs[0].name
        if not layers or value != self.graph.outputs[0].name:
            raise RtlUnsupportedError(
                f"Graph {self.graph.name!r}: the tiled RTL engine needs a chain of Dense layers to the output."
            )
        if len({(x["rounding"], x["overflow"]) for x in layers}) != 1:
            raise RtlUnsupportedError(
                "The tiled RTL engine needs one rounding/overflow mode for all layers."
            )
        wt_w = max(x["wt_w"] for x in layers)
        acc_w = max(max(x["acc_w"] for x in layers), act_w + 1 + wt_w)
        mult_w = max(_signed_bits(x["mults"]) for x in layers)
        shift_w = max(8, max(_signed_bits(x["shifts"]) for x in layers))
        w_words: list[str] = []
        b_words: list[str] = []
        q_words: list[str] = []
        cmd_words: list[str] = []
        for x in layers:
            n_out, k_in = x["w"].shape
            kt, nt = -(-k_in // rows), -(-n_out // cols)
            matrix = np.zeros((kt * rows, nt * cols), np.int64)  # K x N, zero padded
            matrix[:k_in, :n_out] = x["w"].T
            bias = np.zeros(nt * cols, np.int64)
            bias[:n_out] = x["b"]
            pad = [0] * (nt * cols - n_out)
            fields = [1, kt, nt, k_in, n_out, len(w_words), len(b_words)]
            if max(fields) >= 1 << 16:
                raise RtlUnsupportedError(
                    f"Layer {x['stage']!r} is too large for the tiled engine's 16-bit command fields."
                )
            flags = (int(x["out_signed"]) << 2) | (int(x["in_signed"]) << 1) | int(x["relu"])
            cmd = sum(v << (16 * i) for i, v in enumerate(fields)) | flags << 112
            cmd_words.append(f"{cmd:029x}")
            w_words += _tile_rows(matrix, rows, cols, wt_w)
            b_words += [
                _hex([int(v) for v in bias[j * cols : (j + 1) * cols]], acc_w) for j in range(nt)
            ]
            q_words += _rq_words(
                list(x["mults"]) + pad, list(x["shifts"]) + pad, cols, mult_w, shift_w
            )
        in_elems = int(layers[0]["w"].shape[1])
        out_elems = int(layers[-1]["w"].shape[0])
        lanes = int(engine.get("vector_lanes", cols))
        widest = max(max(x["w"].shape) for x in layers)
        need = max(widest + rows, in_elems + lanes, out_elems + lanes)
        depth = 1 << max(1, (need - 1).bit_length())
        first_w, first_signed = type_bits(qnode.outputs[0].dtype)
        self.wires = {"w0": lanes * act_w, "w1": lanes * act_w}
        files = {
            "mem/tiled_cmd.hex": cmd_words,
            "mem/tiled_w.hex": w_words,
            "mem/tiled_b.hex": b_words,
            "mem/tiled_q.hex": q_words,
        }
        unit = Unit(
            "ff_tiled_gemm",
            self.names.claim("tiled_engine", prefix="u"),
            {
                "ROWS": rows,
                "COLS": cols,
                "ACT_W": act_w,
                "WT_W": wt_w,
                "ACC_W": acc_w,
                "MULT_W": mult_w,
                "SHIFT_W": shift_w,
                "ROUNDING": layers[0]["rounding"],
                "OVERFLOW": layers[0]["overflow"],
                "LAYERS": len(layers),
                "M_TILE": 1,
                "ACT_DEPTH": depth,
                "WDEPTH": len(w_words),
                "TDEPTH": len(b_words),
                "IN_N": lanes,
                "IN_ELEMS": in_elems,
                "OUT_N": lanes,
                "OUT_ELEMS": out_elems,
                "CMD_FILE": "mem/tiled_cmd.hex",
                "WEIGHT_FILE": "mem/tiled_w.hex",
                "BIAS_FILE": "mem/tiled_b.hex",
                "RQ_FILE": "mem/tiled_q.hex",
            },
            lanes,
            act_w,
            lanes,
            act_w,
            "tiled",
            comment_safe(f"tiled GEMM engine {rows}x{cols}, {len(layers)} layers"),
            files,
            inputs=["w0"],
            outputs=["w1"],
        )
        input_stream = Stream(lanes, first_w, first_signed, np.arange(in_elems), None)
        output = Stream(lanes, act_w, bool(layers[-1]["out_signed"]), np.arange(out_elems), None)
        return Plan(
            top=top,
            units=[unit],
            input=input_stream,
            output=output,
            input_name=self.graph.inputs[0].name,
            output_name=self.graph.outputs[0].name,
            in_elements=in_elems,
            out_elements=out_elems,
            stage_estimates=_stage_estimates(sched),
            wires=dict(self.wires),
            in_wire="w0",
            out_wire="w1",
        )
