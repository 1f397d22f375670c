"""The design of a Vitis HLS project: the lowered kernel calls become streams, forks, ports and
config structs for the templates (`fpgaforge/hls/files.py` writes the data files)."""

from __future__ import annotations

from dataclasses import dataclass, field

from fpgaforge.hls.errors import HlsError
from fpgaforge.hls.lowering import Lowering, ctype
from fpgaforge.hls.names import Namer, identifier, safe_comment
from fpgaforge.ir.graph import Graph
from fpgaforge.units import layout
from fpgaforge.units.hls_call import Table

HEADER_DEPS = {
    "conv2d.h": ("linebuffer.h",),
    "depthwise.h": ("linebuffer.h",),
    "pool.h": ("linebuffer.h",),
}
ZYNQ_HOSTS = ("zynq7000-ps", "zynq-mpsoc-ps")
ALVEO_HOSTS = ("alveo-pcie",)


@dataclass
class Stream:
    ident: str
    ctype: str
    count: int
    depth: int = 2
    why: str = ""  # comment on a depth that is not the default


@dataclass
class Call:
    """A kernel call ready for the template: config struct, template arguments, call arguments."""

    cfg: str
    func: str
    comment: str
    types: dict[str, str]
    consts: dict[str, int]
    args: list[str]
    template_args: str = ""


@dataclass
class Port:
    ident: str
    raw: str
    ctype: str
    count: int
    shape: tuple[int, ...]


@dataclass
class Design:
    """Everything the templates need."""

    top: str
    mode: str
    inputs: list[Port]
    outputs: list[Port]
    streams: list[Stream]
    calls: list[Call]
    tables: list[Table]
    headers: list[str]
    wmem_words: int
    partitions: list[tuple[str, int]] = field(default_factory=list)


class Designer:
    """Turns lowered kernel calls into streams, forks, ports and config structs."""

    def __init__(self, qgraph: Graph, schedule, mode: str) -> None:
        self.graph = qgraph
        self.mode = mode
        # tables become weights/<name>.h with include guards in upper case: names that
        # differ only in case (node_MatMul_1, node_matmul_1) must not share a file or guard
        self.namer = Namer(("in", "out", "wmem", "n"), fold_case=True)
        self.top = self.namer.name(qgraph.name or "model", "model")
        lowering = Lowering(qgraph, schedule, mode == "tiled", self.namer)
        self.kernel_calls = lowering.run()
        self.lowering = lowering
        self.values = (
            {v.name: v for v in qgraph.values()}
            if callable(getattr(qgraph, "values", None))
            else {}
        )
        self.stages = {name: st for st in schedule.stages for name in st.nodes}

    def meta(self, name: str) -> tuple[str, int]:
        if name in self.lowering.virtual:
            return self.lowering.virtual[name]
        value = self.values[name]
        return ctype(value), layout.frame_size(value.shape)

    def design(self) -> Design:
        graph = self.graph
        streaming = self.mode != "tiled"
        in_values = {}
        inputs: list[Port] = []
        adapters_in: list[Call] = []
        for v in graph.inputs:
            q = v.users[0].outputs[0]
            ident = self.namer.name(v.name, "in")
            port = Port(ident, v.name, ctype(q), layout.frame_size(q.shape), q.shape)
            inputs.append(port)
            if streaming:
                # the port is an AXI4-Stream of 32-bit words; the kernels read a code stream
                codes = self.namer.name(f"{v.name}_codes", "s")
                adapters_in.append(_axis_adapter("in", port, codes))
                in_values[q.name] = codes
            else:
                in_values[q.name] = ident
        # readers of each (alias-resolved) stream, in order
        readers: dict[str, list[tuple]] = {}
        for i, call in enumerate(self.kernel_calls):
            for j, name in enumerate(call.inputs):
                readers.setdefault(name, []).append(("call", i, j))
        outputs: list[Port] = []
        out_src = []
        for k, v in enumerate(graph.outputs):
            src = self.lowering.src(v)
            readers.setdefault(src, []).append(("out", k))
            out_src.append(src)
        producers = [name for call in self.kernel_calls for name in call.outputs] + list(in_values)
        stream_ident: dict[str, str] = {}
        reader_ident: dict[tuple, str] = {}
        forks: list[Call] = []
        streams: list[Stream] = []
        for name in producers:
            ct, count = self.meta(name)
            ident = in_values.get(name) or self.namer.name(name, "s")
            stream_ident[name] = ident
            rs = readers.get(name, [])
            if name not in in_values or streaming:
                streams.append(Stream(ident, ct, count))
            if not rs:
                forks.append(
                    Call(
                        "",
                        f"ff::drain<{ct}, {count}>",
                        f"nobody reads {safe_comment(name)}",
                        {},
                        {},
                        [ident],
                    )
                )
                continue
            if len(rs) == 1:
                reader_ident[rs[0]] = ident
                continue
            current = ident
            depths = self._fork_depths(rs, readers, count)
            for n in range(len(rs) - 1):
                mine = self.namer.name(f"{name}_r{n}", "s")
                last = n == len(rs) - 2
                rest = self.namer.name(f"{name}_r{n + 1}" if last else f"{name}_f{n}", "s")
                if depths is None:
                    why = "full frame: a branch of this fork has no proven bound on its lookahead"
                    streams += [
                        Stream(mine, ct, count, depth=count, why=why),
                        Stream(rest, ct, count, depth=count, why=why),
                    ]
                else:
                    streams += [
                        Stream(mine, ct, count, depth=depths[0][0], why=depths[0][1]),
                        Stream(rest, ct, count, depth=depths[1][0], why=depths[1][1]),
                    ]
                forks.append(
                    Call(
                        "",
                        f"ff::fork2<{ct}, {count}>",
                        f"fork of {safe_comment(name)}",
                        {},
                        {},
                        [current, mine, rest],
                    )
                )
                reader_ident[rs[n]] = mine
                if last:
                    reader_ident[rs[n + 1]] = rest
                current = rest
        # output ports: the reader stream of each output becomes the port
        port_idents = set()
        adapters_out: list[Call] = []
        rename: dict[str, str] = {}
        for k, v in enumerate(graph.outputs):
            ident = reader_ident[("out", k)]
            ct, count = self.meta(out_src[k])
            if ident in in_values.values() or ident in port_idents:
                raise HlsError(
                    f"Graph output {v.name!r} is a graph input or another output; the HLS writer needs a computed output."
                )
            port_idents.add(ident)
            if streaming:
                # the port keeps the stream's name; the kernels write a renamed code stream
                port = Port(ident, v.name, ct, count, v.shape)
                rename[ident] = self.namer.name(f"{v.name}_codes", "s")
                adapters_out.append(_axis_adapter("out", port, rename[ident]))
            else:
                port = Port(ident, v.name, ct, count, v.shape)
            outputs.append(port)
        if not streaming:
            streams = [s for s in streams if s.ident not in port_idents]
        # kernel calls
        calls: list[Call] = []
        tables: list[Table] = []
        headers: set[str] = {"ff_common.h", "ff_axis.h"} if streaming else {"ff_common.h"}
        partitions = []
        for i, kc in enumerate(self.kernel_calls):
            headers.add(kc.header)
            headers.update(HEADER_DEPS.get(kc.header, ()))
            cfg = self.namer.claim(f"cfg_{kc.node}_{kc.func.split('::')[1]}", prefix="cfg")
            args = [reader_ident[("call", i, j)] for j in range(len(kc.inputs))]
            args += [stream_ident[name] for name in kc.outputs]
            if kc.uses_wmem:
                args.append("wmem")
            args += [t.name for t in kc.tables]
            tables += kc.tables
            partitions += [(t.name, t.partition) for t in kc.tables if t.partition > 1]
            stage = self.stages.get(kc.node)
            note = f" (stage {safe_comment(stage.name)}, {stage.kind})" if stage else ""
            calls.append(
                Call(
                    cfg,
                    kc.func,
                    f"{safe_comment(kc.node)} [{kc.node and identifier(kc.node)}]{note}",
                    kc.types,
                    kc.consts,
                    args,
                    f"<{cfg}>",
                )
            )
        # forks must run where their source is produced: put them after the producing call
        ordered = adapters_in + self._interleave(calls, forks, stream_ident, in_values)
        for call in ordered:
            call.args = [rename.get(a, a) for a in call.args]
        for stream in streams:
            stream.ident = rename.get(stream.ident, stream.ident)
        ordered += adapters_out
        return Design(
            self.top,
            self.mode,
            inputs,
            outputs,
            streams,
            ordered,
            tables,
            sorted(headers),
            self.lowering.wmem_words,
            partitions,
        )

    def _lookahead(self, kc) -> int | None:
        """How far a kernel reads ahead: an upper bound L such that it emits output element j
        once it has read input elements 0..j+L (None: no bound proven, or not 1:1 in order).

        Element-wise kernels read one element per output (L = 0). A stride-1 'same' sliding
        window (conv2d, depthwise2d with one output per channel, pool2d) emits output pixel
        (oh, ow) after pushing padded pixel (oh+EKH-1, ow+EKW-1), i.e. at most
        ((EKH-1)*W + EKW) pixels ahead of (oh, ow). dense reads a whole row of N_IN first."""
        c = kc.consts
        if len(kc.inputs) != 1 or len(kc.outputs) != 1:
            return None
        if kc.func in ("ff::relu", "ff::clip", "ff::lut", "ff::requant", "ff::affine"):
            return 0
        if kc.func in ("ff::conv2d", "ff::depthwise2d", "ff::pool2d"):
            same = (c["SH"], c["SW"], c["OH"], c["OW"]) == (1, 1, c["H"], c["W"])
            if not same or c.get("M", c["C"]) != c["C"]:
                return None
            return ((c["EKH"] - 1) * c["W"] + c["EKW"]) * c["C"]
        if kc.func == "ff::dense" and c["N_IN"] == c["N_OUT"]:
            return c["N_IN"]
        return None

    def _branch(self, reader: tuple, readers: dict) -> tuple[int, int, int] | None:
        """Follow a fork branch through single-reader 1:1 kernels to a `binary` join:
        (join call, join operand, summed lookahead), or None."""
        total = 0
        while reader[0] == "call":
            _, i, j = reader
            kc = self.kernel_calls[i]
            if kc.func == "ff::binary":
                return i, j, total
            ahead = self._lookahead(kc)
            if ahead is None:
                return None
            total += ahead
            nxt = readers.get(kc.outputs[0], [])
            if len(nxt) != 1:
                return None
            reader = nxt[0]
        return None

    def _fork_depths(
        self, rs: list[tuple], readers: dict, count: int
    ) -> list[tuple[int, str]] | None:
        """FIFO depths of the two outputs of a fork whose branches meet again in one
        element-wise join (a residual block), or None (keep full-frame depths).

        fork2 writes both outputs in lockstep and binary reads both operands in lockstep, so
        the pipeline can only deadlock when one branch FIFO is full while the other branch
        still needs more input to produce the element the join waits for. A branch FIFO of
        depth >= L_other + 1 (L_other: the other branch's summed lookahead, see `_lookahead`)
        can therefore never block the fork before the join is served; one more word of slack
        is added; a depth never exceeds the frame. (The schedule's skip FIFO stage is the RTL
        top's one-frame FIFO; the HLS dataflow region needs only this bound, which also
        covers the codes the short branch must hold while the long one fills.)"""
        if len(rs) != 2:
            return None
        paths = [self._branch(r, readers) for r in rs]
        if None in paths or paths[0][0] != paths[1][0] or paths[0][1] == paths[1][1]:
            return None
        join = self.kernel_calls[paths[0][0]]
        if join.consts.get("N") != count:
            return None
        result = []
        for k in (0, 1):
            other = paths[1 - k][2]
            need = other + 2
            depth = max(2, min(count, need))
            why = (
                f"the other branch to the join reads at most {other} codes ahead "
                f"(deadlock-free from {other + 1})"
            )
            result.append((depth, why))
        return result

    def _interleave(
        self, calls: list[Call], forks: list[Call], stream_ident, in_values
    ) -> list[Call]:
        """Kernel calls in graph order, each fork right after the call producing its source
        and a chain of two-way forks (three or more readers) in chain order, so that a
        sequential C-simulation never reads a stream before it is written."""
        by_source: dict[str, list[Call]] = {}
        for f in forks:
            by_source.setdefault(f.args[0], []).append(f)
        result: list[Call] = []

        def place(source: str) -> None:
            for fork in by_source.pop(source, []):
                result.append(fork)
                for written in fork.args[1:]:
                    place(written)

        for ident in in_values.values():
            place(ident)
        for call, kc in zip(calls, self.kernel_calls, strict=True):
            result.append(call)
            for name in kc.outputs:
                place(stream_ident[name])
        for rest in by_source.values():
            result += rest
        return result


def _axis_adapter(direction: str, port: Port, codes: str) -> Call:
    """The call that converts between an AXI4-Stream port and the code stream the kernels use."""
    if layout_width(port.ctype) > 32:
        raise HlsError(
            f"Graph {direction}put {port.raw!r} has {port.ctype} codes; streaming-mode AXI4-Stream ports "
            "carry one code per 32-bit word (requantize the tensor to at most 32 bits)."
        )
    args = [port.ident, codes] if direction == "in" else [codes, port.ident]
    return Call(
        "",
        f"ff::axis_{direction}<{port.ctype}, {port.count}>",
        f"AXI4-Stream {direction}put port {safe_comment(port.raw)}"
        + (" (TLAST on the last code of each inference)" if direction == "out" else ""),
        {},
        {},
        args,
    )


def layout_width(ctype_: str) -> int:
    if "<" in ctype_:
        return int(ctype_.split("<")[1].rstrip(">"))
    return 64 if "long long" in ctype_ else 32
