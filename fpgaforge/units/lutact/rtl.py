"""RTL of the lutact kit: an activation as a ROM over the input codes (`ff_lutact`).

The MAC units fuse table activations behind their epilogue, the eltwise kit builds a
stand-alone clip with `lutact`, and a stage of its own (kind `lut_activation`: an
Activation by table) is one `ff_lutact`; Div and Pow stages have no RTL unit yet.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from fpgaforge.ir.node import Node
from fpgaforge.units.netlist import (
    Instance,
    Planner,
    Stream,
    comment,
    no_unit,
    take_first,
    type_bits,
)
from fpgaforge.units.rom import hex_word


def build(planner: Planner, stage: Any, nodes: list[Node]) -> None:
    """A stand-alone lookup-table activation stage: one `ff_lutact` (a Div or Pow stage:
    one clear error)."""
    take_first(planner, stage, nodes)
    if [n.op for n in nodes] != ["Activation"]:
        raise no_unit(planner, stage, nodes)
    lutact(planner, stage, nodes[0])
    planner.publish(stage)


def lutact(planner: Planner, stage: Any, node: Node, lanes: int | None = None) -> None:
    """An activation as a ROM over the input codes (ff_lutact): the generator evaluates the
    node's integer semantics (`compute_int`: table lookup or clip) once per table entry."""
    from fpgaforge.ir.ops.registry import get as get_op

    planner.check_input(node, stage)
    s = planner.stream
    assert s is not None
    table = node.quant.table
    if (
        table is None
        and node.attrs.get("func") not in ("relu",)
        and not (node.attrs.get("func") == "clip" and node.quant.clip_codes is not None)
    ):
        raise planner.fail(stage, f"activation {node.attrs.get('func')!r} has no lookup table")
    shift = int(table.shift) if table is not None else 0
    if table is not None and int(table.offset) % (1 << shift):
        raise planner.fail(stage, "the table's offset is not a multiple of its bucket size")
    idx_w = s.width - shift
    if idx_w > 12:
        raise planner.fail(
            stage,
            f"the {node.attrs.get('func')} of {node.where()} would index its ROM with "
            f"{idx_w} input bits (at most 12); quantize its input to 12 bits or fewer, or "
            "build with --backend hls",
        )
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
    planner.connect(lanes, stage)
    name = f"mem/s{len(planner.units):02d}_lut.hex"
    planner.add(
        Instance(
            "ff_lutact",
            planner.names.claim(stage.name, prefix="u"),
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
            comment(f"lookup-table {node.attrs.get('func')} {stage.name}"),
            {name: [hex_word([int(v)], out_w) for v in out]},
        )
    )
    planner.stream = Stream(lanes, out_w, out_signed, s.perm, s.chw, s.depth)
    planner.value = node.outputs[0].name
