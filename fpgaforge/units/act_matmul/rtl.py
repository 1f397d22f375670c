"""RTL of the activation MatMul: one `ff_act_matmul` reading both operand streams (one
lane each), with the base tables of `geometry.operand_bases` as ROM images."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from fpgaforge.ir.node import Node
from fpgaforge.units.act_matmul.geometry import Strided, operand_bases
from fpgaforge.units.netlist import Instance, Planner, Stream, comment, require_input, type_bits
from fpgaforge.units.rom import hex_word


@dataclass(frozen=True)
class MatMulRom:
    """`ff_act_matmul`'s parameters (files aside) and its two base-table ROM images."""

    params: dict[str, int]
    a_base: list[str]
    b_base: list[str]


def act_matmul_rom(
    a_shape: tuple[int, ...],
    b_shape: tuple[int, ...],
    out_shape: tuple[int, ...],
    a_type: tuple[int, bool],
    b_type: tuple[int, bool],
    acc_w: int,
    orders: tuple = (None, None, None),
) -> MatMulRom:
    """The unit for operands of `a_shape` and `b_shape` ((width, signed) each) into
    `acc_w`-bit outputs, the streams in `orders` (a, b, out: logical index per position;
    None: the HLS layout's); raises `Strided` when a reduction axis has no constant stride."""
    a_base, a_step, b_base, b_step = operand_bases(a_shape, b_shape, out_shape, *orders)
    na = int(np.prod((1, *a_shape[1:])))
    nb = int(np.prod((1, *b_shape[1:])))
    aw = max(1, (na - 1).bit_length())
    bw = max(1, (nb - 1).bit_length())
    params = {
        "A_W": a_type[0],
        "A_SIGNED": int(a_type[1]),
        "B_W": b_type[0],
        "B_SIGNED": int(b_type[1]),
        "ACC_W": acc_w,
        "NA": na,
        "NB": nb,
        "OUT": int(a_base.size),
        "K": int(a_shape[-1]),
        "A_STEP": a_step,
        "B_STEP": b_step,
    }
    return MatMulRom(
        params,
        [hex_word([int(v)], aw) for v in a_base],
        [hex_word([int(v)], bw) for v in b_base],
    )


def build(planner: Planner, stage: Any, nodes: list[Node]) -> None:
    """The MatMul of two activations as `ff_act_matmul` (each operand on one lane)."""
    require_input(planner, stage)
    node = nodes[0]
    if len(nodes) != 1 or node.op != "MatMul":
        raise planner.fail(stage, "only a MatMul of two activations has this RTL unit")
    a_val, b_val = node.inputs[0], node.inputs[1]
    wires = []
    for v in (a_val, b_val):
        planner.take(v.name, stage)
        planner.connect(1, stage)
        s = planner.stream
        assert s is not None
        wires.append((planner.wire, s))
    (wa, sa), (wb, sb) = wires
    out = node.outputs[0]
    acc_w, acc_signed = type_bits(out.dtype)
    row_major = np.arange(out.size // max(1, out.shape[0]), dtype=np.int64)
    try:
        rom = act_matmul_rom(
            a_val.shape,
            b_val.shape,
            out.shape,
            (sa.width, sa.signed),
            (sb.width, sb.signed),
            acc_w,
            (sa.perm, sb.perm, row_major),
        )
    except Strided:
        raise planner.fail(stage, "an operand's reduction axis has no constant stride") from None
    base = f"mem/s{len(planner.units):02d}"
    planner.wire = planner.new_wire(acc_w)
    planner.units.append(
        Instance(
            "ff_act_matmul",
            planner.names.claim(stage.name, prefix="u"),
            {
                **rom.params,
                "A_BASE_FILE": f"{base}_a_base.hex",
                "B_BASE_FILE": f"{base}_b_base.hex",
            },
            1,
            sa.width,
            1,
            acc_w,
            stage.name,
            comment(f"activation matmul {stage.name}"),
            {f"{base}_a_base.hex": rom.a_base, f"{base}_b_base.hex": rom.b_base},
            inputs=[wa, wb],
            outputs=[planner.wire],
        )
    )
    planner.stream = Stream(1, acc_w, acc_signed, row_major, None, 0)
    planner.value = out.name
    planner.publish(stage)
