"""RTL of the tiled_gemm kit: in tiled mode the whole chain of Dense layers runs on one
`ff_tiled_gemm` engine driven by a command ROM (`commands.py` compiles it).

Each stage of a tiled schedule comes here: the first (the graph input's Quantize) starts
the engine, every Dense [ReLU] Requant stage adds a layer, and once all stages are built
the engine becomes the top's one instance, between its input (logical order, `vector_lanes`
per beat) and output streams.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from fpgaforge.ir.node import Node
from fpgaforge.units.errors import RtlUnsupportedError
from fpgaforge.units.mvau.rtl import epilogue
from fpgaforge.units.netlist import Instance, Planner, Stream, comment, type_bits
from fpgaforge.units.requant.rtl import OVERFLOW_CODES, ROUNDING_CODES, requant_params
from fpgaforge.units.tiled_gemm.commands import Layer, compile_program

STATE = "tiled_gemm"


def build(planner: Planner, stage: Any, nodes: list[Node]) -> None:
    """Start the engine at the input Quantize, or add the stage's Dense layer to it."""
    engine = planner.kit_state.get(STATE)
    if engine is None:
        engine = Engine(planner)
        if [n.op for n in nodes] != ["Quantize"]:
            raise RtlUnsupportedError("The tiled RTL engine needs the input Quantize first.")
        engine.start(nodes[0])
        planner.kit_state[STATE] = engine
        planner.at_end(engine.finish)
        return
    engine.add(stage, nodes)


class Engine:
    """The layers of one ff_tiled_gemm, collected stage by stage."""

    def __init__(self, planner: Planner) -> None:
        graph = planner.graph
        engine = getattr(planner.schedule, "engine", None) or {}
        self.rows, self.cols = int(engine.get("rows", 4)), int(engine.get("cols", 4))
        if engine.get("weights", "dram") != "onchip":
            raise RtlUnsupportedError(
                f"Graph {graph.name!r}: the tiled RTL engine reads its weights from an on-chip "
                "ROM but this schedule streams them from DRAM; reschedule with "
                "tiled_weights='onchip' (--tiled-weights onchip)."
            )
        if self.rows < 2:
            raise RtlUnsupportedError(
                f"Graph {graph.name!r}: the tiled RTL engine needs at least 2 array rows, "
                f"the schedule has {self.rows}."
            )
        self.planner = planner
        self.lanes = int(engine.get("vector_lanes", self.cols))
        self.layers: list[Layer] = []
        self.stages: list[Any] = []
        self.value = ""
        self.input_value = ""
        self.act_w, self.in_signed, self.input_signed = 0, False, False

    def start(self, quantize: Node) -> None:
        """The graph input's Quantize: the engine's activation width and input signedness."""
        self.value = self.input_value = quantize.outputs[0].name
        self.act_w, self.in_signed = type_bits(quantize.outputs[0].dtype)
        self.input_signed = self.in_signed

    def add(self, stage: Any, nodes: list[Node]) -> None:
        """One Dense [ReLU] Requant stage reading the previous layer's output."""
        planner = self.planner
        ops = [n.op for n in nodes]
        if stage.kind != "tiled_gemm" or ops[0] != "Dense":
            raise planner.fail(stage, f"the tiled RTL engine runs Dense layers only, not {ops}")
        anchor = nodes[0]
        if anchor.inputs[0] is None or anchor.inputs[0].name != self.value:
            raise planner.fail(stage, "the tiled RTL engine runs a chain of layers")
        relu, rq, rest = epilogue(nodes)
        if rest or rq is None:
            raise planner.fail(stage, "each layer needs exactly Dense [ReLU] Requant")
        w = anchor.inputs[1].const.astype(np.int64)
        wt_bits, wt_signed = type_bits(anchor.inputs[1].dtype)
        acc_bits, acc_signed = type_bits(anchor.outputs[0].dtype)
        b_val = anchor.input(2)
        mults, shifts = requant_params(rq, w.shape[0])
        out_w, out_signed = type_bits(rq.attrs["to"])
        if out_w != self.act_w:
            raise planner.fail(stage, f"{out_w}-bit outputs in a {self.act_w}-bit engine")
        self.layers.append(
            Layer(
                w=w,
                b=b_val.const.astype(np.int64)
                if b_val is not None
                else np.zeros(w.shape[0], np.int64),
                wt_w=wt_bits + (0 if wt_signed else 1),
                acc_w=acc_bits + (0 if acc_signed else 1) + 1,
                mults=mults,
                shifts=shifts,
                relu=relu,
                in_signed=self.in_signed,
                out_signed=out_signed,
                rounding=ROUNDING_CODES[str(rq.attrs["rounding"].value)],
                overflow=OVERFLOW_CODES[str(rq.attrs["overflow"].value)],
                stage=stage.name,
            )
        )
        self.stages.append(stage)
        self.in_signed = out_signed
        self.value = nodes[-1].outputs[0].name

    def finish(self) -> None:
        """The engine instance, the top's input stream and its output published."""
        planner, layers = self.planner, self.layers
        graph = planner.graph
        if not layers or self.value != graph.outputs[0].name:
            raise RtlUnsupportedError(
                f"Graph {graph.name!r}: the tiled RTL engine needs a chain of Dense layers to the output."
            )
        if len({(x.rounding, x.overflow) for x in layers}) != 1:
            raise RtlUnsupportedError(
                "The tiled RTL engine needs one rounding/overflow mode for all layers."
            )
        rows, cols, lanes, act_w = self.rows, self.cols, self.lanes, self.act_w
        program = compile_program(layers, rows, cols, act_w)
        in_elems = int(layers[0].w.shape[1])
        out_elems = int(layers[-1].w.shape[0])
        widest = max(max(x.w.shape) for x in layers)
        need = max(widest + rows, in_elems + lanes, out_elems + lanes)
        depth = 1 << max(1, (need - 1).bit_length())
        files = {
            "mem/tiled_cmd.hex": program.cmd_words,
            "mem/tiled_w.hex": program.w_words,
            "mem/tiled_b.hex": program.b_words,
            "mem/tiled_q.hex": program.q_words,
        }
        planner.open_input(
            Stream(lanes, act_w, self.input_signed, np.arange(in_elems), None),
            self.input_value,
        )
        planner.add(
            Instance(
                "ff_tiled_gemm",
                planner.names.claim("tiled_engine", prefix="u"),
                {
                    "ROWS": rows,
                    "COLS": cols,
                    "ACT_W": act_w,
                    "WT_W": program.wt_w,
                    "ACC_W": program.acc_w,
                    "MULT_W": program.mult_w,
                    "SHIFT_W": program.shift_w,
                    "ROUNDING": layers[0].rounding,
                    "OVERFLOW": layers[0].overflow,
                    "LAYERS": len(layers),
                    "M_TILE": 1,
                    "ACT_DEPTH": depth,
                    "WDEPTH": len(program.w_words),
                    "TDEPTH": len(program.b_words),
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
                comment(f"tiled GEMM engine {rows}x{cols}, {len(layers)} layers"),
                files,
            )
        )
        planner.stream = Stream(
            lanes, act_w, bool(layers[-1].out_signed), np.arange(out_elems), None
        )
        planner.value = self.value
        planner.publish(self.stages[-1])
