"""RTL of the LayerNorm unit: one `ff_layernorm` on a one-lane stream whose rows are
contiguous, with the quantizer's rsqrt table, gamma and beta as ROM images."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from fpgaforge.ir.node import Node
from fpgaforge.units.netlist import Instance, Planner, Stream, comment, take_first, type_bits
from fpgaforge.units.rom import hex_word, signed_bits

MAX_WIDE = 64
"""The widest intermediate `ff_layernorm`'s WIDE may be."""


@dataclass(frozen=True)
class LayerNormRom:
    """`ff_layernorm`'s parameters (files aside) and its three ROM images."""

    params: dict[str, int]
    rsqrt: list[str]
    gamma: list[str]
    beta: list[str]


def layernorm_rom(
    n: int,
    in_w: int,
    table: np.ndarray,
    gamma: np.ndarray,
    beta: np.ndarray,
    eps: int,
    rfrac: int,
    nfrac: int,
    out_w: int,
) -> LayerNormRom | None:
    """The unit for rows of `n` codes of `in_w` bits, or None when it does not fit (a
    table that is not a power of two long, RFRAC ≤ NFRAC, EPS beyond 31 bits or an
    intermediate beyond MAX_WIDE bits)."""
    values = [int(v) for v in np.asarray(table).reshape(-1)]
    size = len(values)
    if size & (size - 1) or rfrac <= nfrac or not 0 <= eps < 1 << 31:
        return None
    biggest = 1 << (in_w - 1)
    r_w = max(1, max(values).bit_length())
    g, b = [int(v) for v in gamma], [int(v) for v in beta]
    g_w, b_w = signed_bits(g), signed_bits(b)
    wide = 2 + max(
        (n * n * biggest * biggest + eps).bit_length(),
        (2 * n * biggest).bit_length() + r_w + 1,
        out_w,
        g_w + b_w,
    )
    if wide > MAX_WIDE:
        return None
    params = {
        "IN_W": in_w,
        "N": n,
        "SIZE": size,
        "R_W": r_w,
        "G_W": g_w,
        "B_W": b_w,
        "OUT_W": out_w,
        "WIDE": wide,
        "EPS": eps,
        "RFRAC": rfrac,
        "NFRAC": nfrac,
    }
    return LayerNormRom(
        params,
        [hex_word([v], r_w) for v in values],
        [hex_word([v], g_w) for v in g],
        [hex_word([v], b_w) for v in b],
    )


def _param(node: Node, index: int, n: int) -> np.ndarray:
    data = node.const_input(index) if len(node.inputs) > index else None
    if data is None:
        return np.zeros(n, dtype=np.int64)
    return np.broadcast_to(np.asarray(data, np.int64), (n,)).copy()


def build(planner: Planner, stage: Any, nodes: list[Node]) -> None:
    """The stage's LayerNorm as `ff_layernorm` (one lane: the schedule's width converter in
    front when the producer emits several)."""
    take_first(planner, stage, nodes)
    node = nodes[0]
    if len(nodes) != 1 or node.op != "LayerNorm" or node.quant.table is None:
        raise planner.fail(stage, "only the quantizer's integer LayerNorm has an RTL unit")
    planner.check_input(node, stage)
    s = planner.stream
    assert s is not None
    x = node.inputs[0]
    a = node.attrs
    axis = int(a["axis"]) % x.rank
    if axis != x.rank - 1:
        raise planner.fail(stage, "its RTL unit normalizes over the last axis only")
    n = int(x.shape[-1])
    rows = np.arange(len(s.perm)) // n
    streamed = rows[s.perm].reshape(-1, n)
    if not (streamed == streamed[:, :1]).all() or not np.array_equal(
        s.perm.reshape(-1, n) % n, np.broadcast_to(np.arange(n), (len(s.perm) // n, n))
    ):
        raise planner.fail(stage, "its rows are not contiguous and in order in the stream")
    out_w, out_signed = type_bits(node.outputs[0].dtype)
    rom = layernorm_rom(
        n,
        s.width,
        np.asarray(node.quant.table.values),
        _param(node, 1, n),
        _param(node, 2, n),
        int(a["eps_codes"]),
        int(a["rsqrt_frac"]),
        int(a["norm_frac"]),
        out_w,
    )
    if rom is None or not s.signed:
        raise planner.fail(stage, "its intermediates do not fit the RTL unit's 64 bits")
    planner.connect(1, stage)
    base = f"mem/s{len(planner.units):02d}"
    files = {f"{base}_rsqrt.hex": rom.rsqrt, f"{base}_gamma.hex": rom.gamma}
    files[f"{base}_beta.hex"] = rom.beta
    planner.add(
        Instance(
            "ff_layernorm",
            planner.names.claim(stage.name, prefix="u"),
            {
                **rom.params,
                "RSQRT_FILE": f"{base}_rsqrt.hex",
                "GAMMA_FILE": f"{base}_gamma.hex",
                "BETA_FILE": f"{base}_beta.hex",
            },
            1,
            s.width,
            1,
            out_w,
            stage.name,
            comment(f"integer LayerNorm {stage.name} over rows of {n}"),
            files,
        )
    )
    planner.stream = Stream(1, out_w, out_signed, s.perm, s.chw, s.depth)
    planner.value = node.outputs[0].name
    planner.publish(stage)


__all__ = ["LayerNormRom", "build", "layernorm_rom"]
