"""The HLS project of a Mamba-2 decode step (LightMamba-quantized): a sequential top function.

The top function is the hardware part of one decode step (`quant.lightmamba.decode_split`):
from the embedding codes to the final residual codes plus the new states. Its kernels are
array kernels (`kernels/mamba.h` and the unit kits' headers) called one after another, as
LightMamba time-shares one instance per unit across the layers; each node's call comes
from the `DECODE_OPS` of the kit that owns its op. Every array holds `ap_int<W>` codes of
the width its value's bound needs (`mamba_widths.py`); each kernel runs the lanes of the
estimate's unit (`mamba_parallel.py`). The recurrent states are top-level ports: every
state comes in as an input port and leaves as an output port (m_axi, byte-aligned words);
between tokens the top keeps them on chip, and the host loads them (a sequence starts or
resumes) or reads them back through those ports when it asks (`load_states`,
`store_states`), so the same top serves any number of sequences.
The host looks the token up in the embedding table, applies the FixedQuant boundary
(`ff::mamba::fixed_quant`, which the testbench runs as the host would), and after the
step dequantizes, normalizes and applies the LM head.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from fpgaforge.hls.errors import HlsUnsupportedError
from fpgaforge.hls.lowering import ValueAliases
from fpgaforge.hls.mamba_parallel import (
    Lanes,
    arg_factors,
    kernel_lanes,
    lanes_of,
    phase_cycles,
    table_pragmas,
)
from fpgaforge.hls.mamba_widths import decode_bounds
from fpgaforge.hls.names import Namer, safe_comment
from fpgaforge.ir.graph import Graph
from fpgaforge.ir.node import Node
from fpgaforge.ir.value import Value
from fpgaforge.quant.lightmamba.decode import DecodeSplit, DecodeTrace, decode_split
from fpgaforge.units.hls_call import KernelCall, Table, decode_emitters

CODE_T = "ff::mamba::code_t"
DEFAULT_LANES = Lanes(gemv_lanes=1, gemv_simd=1, ssm_lanes=1)
"""Lanes without an estimate: one MAC and one SSM lane (the smallest units)."""
PORT_TYPES = ((8, "signed char", "int8"), (16, "short", "int16"), (32, "int", "int32"),
              (64, "long long", "int64"))  # fmt: skip


@dataclass
class Buffer:
    """An array of codes: a top-level port or a local of the top function. A port's codes
    travel as byte-aligned words (`port`, for the host) and are held in a local array of the
    exact width (`local`, of `ctype`)."""

    ident: str
    raw: str
    count: int
    shape: tuple[int, ...]
    bits: int = 64
    local: str = ""
    factor: int = 1  # ARRAY_PARTITION cyclic factor (1: none)
    state: bool = False

    @property
    def ctype(self) -> str:
        """The C++ type of the codes inside the top function."""
        return f"ap_int<{self.bits}>"

    @property
    def port(self) -> str:
        """The C type of the codes on the m_axi port (8, 16, 32 or 64 bits)."""
        return next(c for w, c, _ in PORT_TYPES if self.bits <= w)

    @property
    def numpy(self) -> str:
        """The numpy dtype of the port's words (the host's buffers)."""
        return next(n for w, _, n in PORT_TYPES if self.bits <= w)

    @property
    def partition(self) -> str:
        """The ARRAY_PARTITION of the local array ('' when one port is enough)."""
        if self.factor <= 1:
            return ""
        how = "complete" if self.factor >= self.count else f"cyclic factor = {self.factor}"
        return f"#pragma HLS ARRAY_PARTITION variable = {self.local or self.ident} {how} dim = 1"

    @property
    def note(self) -> str:
        """The raw name, safe inside a comment."""
        return safe_comment(self.raw)


@dataclass
class DecodeCall:
    """One kernel call of the top function, ready for the template."""

    cfg: str
    func: str
    comment: str
    consts: dict[str, int]
    args: list[str]


@dataclass
class DecodeDesign:
    """Everything the decode-step templates need."""

    top: str
    mode: str
    inputs: list[Buffer]
    outputs: list[Buffer]
    locals: list[Buffer]
    calls: list[DecodeCall]
    tables: list[Table]
    headers: list[str]
    d_model: int
    frac: int
    bits: int
    vocab: int
    tokens: int = 0
    codes: int = 0
    states: list[tuple[str, str]] = field(default_factory=list)  # (input ident, output ident)
    pragmas: list[str] = field(default_factory=list)  # the constant tables' memories
    lanes: dict[str, int] = field(default_factory=dict)
    phases: dict[str, int] = field(default_factory=dict)  # loop trip counts per estimate phase

    @property
    def state_buffers(self) -> list[tuple[Buffer, Buffer]]:
        """(state port, new-state port) pairs as buffers."""
        by_ident = {b.ident: b for b in self.inputs + self.outputs}
        return [(by_ident[i], by_ident[o]) for i, o in self.states]


class DecodeLowering(ValueAliases):
    """The `HlsContext` of the decode step: kits append array kernel calls through it."""

    tiled = False

    def __init__(self, namer: Namer) -> None:
        super().__init__()
        self.namer = namer
        self.calls: list[KernelCall] = []
        self.tables: list[Table] = []

    def fail(self, node: Node, why: str) -> HlsUnsupportedError:
        return HlsUnsupportedError(
            f"Node {node.name!r} ({node.op}) cannot be built for the HLS decode step: {why}."
        )

    def dtype(self, value: Value):
        return value.dtype

    def ctype(self, value: Value) -> str:
        return CODE_T

    def declare_stream(self, name: str, ctype: str, count: int) -> None:
        raise NotImplementedError("the decode step has no streams")

    def table(self, node: Node, role: str, ctype: str, values, partition: int = 1) -> Table:
        flat = np.asarray(values, dtype=np.int64).ravel()
        table = Table(self.namer.name(f"{node.name}_{role}", "t"), ctype, flat.astype(object))
        self.tables.append(table)
        return table

    def add(self, node, header, func, types, consts, inputs, outputs, tables=(), uses_wmem=False):
        self.calls.append(
            KernelCall(
                header,
                func,
                node.name,
                dict(types),
                dict(consts),
                [self.src(v) for v in inputs],
                [v.name for v in outputs],
                list(tables),
            )  # fmt: skip
        )

    def append(self, call: KernelCall) -> None:
        self.calls.append(call)

    def to_wmem(self, weight: np.ndarray) -> int:
        raise NotImplementedError("the decode step keeps its weights in on-chip tables")


def lower_decode(split: DecodeSplit, namer: Namer) -> DecodeLowering:
    """The kernel calls of the hardware nodes, by the kits' `DECODE_OPS`."""
    emitters = decode_emitters()
    ctx = DecodeLowering(namer)
    for node in split.nodes:
        emitter = emitters.get(node.op)
        if emitter is None:
            have = ", ".join(sorted(emitters))
            raise HlsUnsupportedError(
                f"Node {node.name!r} ({node.op}) has no decode-step kernel; the HLS decode step "
                f"implements {have}."
            )
        emitter(ctx, None, node)
    return ctx


def design_decode(
    qgraph: Graph, trace: DecodeTrace | None = None, estimate: dict | None = None
) -> DecodeDesign:
    """The design of the decode step of `qgraph` (top ports, locals, calls, tables) with the
    lanes of `estimate` (the record of `estimate.json`; the smallest units without one)."""
    split = decode_split(qgraph)
    lanes = DEFAULT_LANES if estimate is None else lanes_of(estimate)
    namer = Namer(("x", "y", "code_t", "tb", "ff"))
    top = namer.name(qgraph.name or "mamba", "model")
    values = {v.name: v for v in qgraph.values()}

    def port(ident: str, raw: str, state: bool = False) -> Buffer:
        v = values[raw]
        return Buffer(ident, raw, v.size, v.shape, state=state)

    ports_in = [port(namer.name("x_codes", "in"), split.residual_in)]
    ports_in += [port(namer.name(name, "in"), name, True) for name in split.states]
    ports_out = [port(namer.name("y_codes", "out"), split.residual_out)]
    ports_out += [port(namer.name(name, "out"), name, True) for name in split.states.values()]
    for buf in ports_in + ports_out:
        buf.local = namer.name(f"{buf.ident}_buf", "v")
    ctx = lower_decode(split, namer)
    bounds = decode_bounds(split)  # after the lowering: an op without a kernel is named first
    for buf in ports_in + ports_out:
        buf.bits = bounds.bits(buf.raw)
    ident = {b.raw: b for b in ports_in + ports_out}
    locals_: list[Buffer] = []
    for call in ctx.calls:
        for name in call.outputs:
            if name not in ident:
                v = values[name]
                buf = Buffer(namer.name(name, "v"), name, v.size, v.shape, bounds.bits(name))
                locals_.append(buf)
                ident[name] = buf
    calls = []
    pragmas: list[str] = []
    for call in ctx.calls:
        missing = [n for n in call.inputs if n not in ident]
        if missing:
            raise HlsUnsupportedError(
                f"Node {call.node!r} reads {missing[0]!r}, which the decode step does not compute."
            )
        call.consts.update(kernel_lanes(call, lanes))
        call.consts.update(bounds.acc.get(call.node, {}))
        buffers = [ident[n] for n in call.inputs + call.outputs]
        for buf, factor in zip(buffers, arg_factors(call), strict=True):
            buf.factor = max(buf.factor, factor)
        pragmas += table_pragmas(call)
        cfg = namer.claim(f"cfg_{call.node}_{call.func.split('::')[-1]}", prefix="cfg")
        args = [b.local or b.ident for b in buffers] + [t.name for t in call.tables]
        comment = f"{safe_comment(call.node)} ({safe_comment(_op_of(qgraph, call.node))})"
        calls.append(DecodeCall(cfg, call.func, comment, call.consts, args))
    _same_state_widths(ports_in, ports_out, split.states)
    written = {n for c in ctx.calls for n in c.outputs}
    for buf in ports_out:
        if buf.raw not in written:
            raise HlsUnsupportedError(
                f"Output {buf.raw!r} of the decode step is not written by any kernel; "
                "the hardware part must compute the final residual and every new state."
            )
    headers = sorted({"mamba.h", *(c.header for c in ctx.calls)})
    boundary = split.boundary
    table = split.embedding.inputs[1]
    state_ports = [(ident[k].ident, ident[v].ident) for k, v in split.states.items()]
    return DecodeDesign(
        top=top,
        mode="decode",
        inputs=ports_in,
        outputs=ports_out,
        locals=locals_,
        calls=calls,
        tables=ctx.tables,
        headers=headers,
        d_model=values[split.residual_in].size,
        frac=int(boundary.attrs["frac"]),
        bits=int(boundary.attrs["bits"]),
        vocab=int(table.shape[0]),
        tokens=0 if trace is None else len(trace.tokens),
        codes=0 if trace is None else trace.codes_per_token * len(trace.tokens),
        states=state_ports,
        pragmas=pragmas,
        phases=_with_ports(phase_cycles(ctx.calls), ports_in, ports_out),
        lanes={
            "gemv_lanes": lanes.gemv_lanes,
            "gemv_simd": lanes.gemv_simd,
            "ssm_lanes": lanes.ssm_lanes,
            "aux_lanes": lanes.aux,
        },
    )


def _with_ports(phases: dict[str, int], ins: list[Buffer], outs: list[Buffer]) -> dict[str, int]:
    """`phases` plus the ports' loops of a token that keeps its states on chip: the embedding
    codes in, the residual out (one code a cycle) and each new state carried on chip."""
    ports = sum(b.count for b in ins + outs if not b.state)
    carry = sum(-(-b.count // max(b.factor, 1)) for b in ins if b.state)
    return {**phases, "ports and state carry": ports + carry}


def _same_state_widths(ins: list[Buffer], outs: list[Buffer], states: dict[str, str]) -> None:
    """A state and its new state share one width: the host hands one to the other."""
    by_raw = {b.raw: b for b in ins + outs}
    for old, new in states.items():
        bits = max(by_raw[old].bits, by_raw[new].bits)
        by_raw[old].bits = by_raw[new].bits = bits


def _op_of(qgraph: Graph, name: str) -> str:
    return qgraph.find_node(name).op


def write_decode_project(
    qgraph: Graph, board, trace: DecodeTrace, estimate: dict, out_dir: str | os.PathLike
) -> list[Path]:
    """Write the HLS project of the decode step of `qgraph` for `board` into `out_dir`:
    firmware/ (top function, tables), kernels/, tb/ (a testbench that runs the tokens of
    `trace` with the states carried and compares every code), tb_data/, Makefile,
    run_hls.tcl, config.mk and README.md; on an Alveo board also vitis/connectivity.cfg and
    host/<top>_host.py (the XRT driver that carries the states). Returns the files written."""
    from fpgaforge.hls.files import copy_kernels, write_tables
    from fpgaforge.hls.render import render
    from fpgaforge.numerics.headers import ap_types_dir

    design = design_decode(qgraph, trace, estimate)
    out = Path(out_dir)
    for sub in ("firmware", "tb", "tb_data"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    clock = float(estimate["clock_mhz"])
    ctx = {
        "d": design,
        "board": board.name,
        "part": board.part,
        "clock_mhz": f"{clock:g}",
        "period_ns": f"{1000.0 / clock:.3f}",
        "alveo": board.host == "alveo-pcie",
        "est": estimate,
        "phases": ", ".join(
            f"{k} {v:,.0f}" for k, v in estimate["phase_cycles_per_token"].items() if v
        ),
    }
    files = copy_kernels(design, out) + write_tables(design, out)

    def emit(rel: str, template: str, **extra) -> None:
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(template, **ctx, **extra))
        files.append(path)

    emit(f"firmware/{design.top}.h", "decode_top.h.j2")
    emit(f"firmware/{design.top}.cpp", "decode_top.cpp.j2")
    emit(f"tb/{design.top}_tb.cpp", "decode_tb.cpp.j2")
    files += write_decode_vectors(design, qgraph, trace, out / "tb_data")
    emit("run_hls.tcl", "run_hls.tcl.j2")
    emit("Makefile", "Makefile.j2")
    emit("config.mk", "config.mk.j2", ap_types=str(ap_types_dir()))
    emit("README.md", "decode_README.md.j2")
    if ctx["alveo"]:
        hbm = any(m.type.upper().startswith("HBM") for m in board.memories)
        emit("vitis/connectivity.cfg", "decode_connectivity.cfg.j2", memory="HBM" if hbm else "DDR")
        emit(f"host/{design.top}_host.py", "decode_host.py.j2")
    return files


def write_decode_vectors(
    design: DecodeDesign, qgraph: Graph, trace: DecodeTrace, folder: Path
) -> list[Path]:
    """tokens.txt (one token a line), embedding.txt (the host's table: one row of float32 bit
    patterns a line) and per output port `<port>_expected.txt` (one token a line)."""
    split = decode_split(qgraph)
    table = np.asarray(split.embedding.inputs[1].const, dtype=np.float32)
    files = [
        _lines(folder / "tokens.txt", trace.tokens.reshape(-1, 1)),
        _lines(folder / "embedding.txt", table.view(np.uint32).astype(np.int64)),
    ]
    expected = {split.residual_out: trace.residual_out, **trace.states}
    for port in design.outputs:
        files.append(_lines(folder / f"{port.ident}_expected.txt", expected[port.raw]))
    return files


def _lines(path: Path, rows: np.ndarray) -> Path:
    path.write_text("\n".join(" ".join(str(int(c)) for c in row) for row in rows.tolist()) + "\n")
    return path
