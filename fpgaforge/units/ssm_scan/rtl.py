"""RTL of the ssm_scan kit: `ff_ssm_step` (the LightMamba SSM decode-step unit) and the
`ff_pot_quant` activation quantizer it shares with the linear layers.

`ssm_step_rtl` turns a quantized `IntSSMStep` node (its attrs and constant inputs) and a
folding into the module's parameters and memory images; `beats` / `unpack_y` give the
stream order the module reads and writes. Generated streaming tops do not place Mamba-2
layers yet: `build` says so in one sentence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from fpgaforge.ir.node import Node
from fpgaforge.units.errors import RtlUnsupportedError
from fpgaforge.units.netlist import decode_only
from fpgaforge.units.rom import hex_word, signed_bits

#: the largest power-of-two shift (fpgaforge.numerics.pot.MAX_SHIFT)
MAX_SHIFT = 15
SHIFT_W = 8  # per-head shift fields of the head table


@dataclass(frozen=True)
class SsmStepRtl:
    """Parameters (`params`, Verilog values) and memory images (`files`: name → hex lines)
    of one `ff_ssm_step`; file parameters name the images by file name."""

    params: dict[str, Any]
    files: dict[str, list[str]] = field(default_factory=dict)


def table_bits(values: np.ndarray) -> tuple[int, int]:
    """(entry width, signed) of a table: unsigned when no entry is negative."""
    if values.size and int(values.min()) >= 0:
        return max(1, int(values.max()).bit_length()), 0
    return signed_bits(values.tolist()), 1


def _geometry_error(name: str, why: str) -> RtlUnsupportedError:
    return RtlUnsupportedError(
        f"IntSSMStep node {name!r}: {why}; choose a folding (lanes) that meets it."
    )


def ssm_step_rtl(
    node_name: str,
    attrs: dict[str, Any],
    consts: dict[str, np.ndarray],
    *,
    heads: int,
    headdim: int,
    d_state: int,
    groups: int,
    lanes: int,
    in_w: int = 32,
    y_w: int = 32,
    state: np.ndarray | None = None,
) -> SsmStepRtl:
    """`ff_ssm_step` for an IntSSMStep: `consts` holds a_q, a_shift, d_q, d_shift, dt_bias,
    sp_table and exp_table (the node's constant inputs); `state` an optional initial state
    [heads, headdim, d_state] of codes the module starts from (zeros otherwise)."""
    grp = int(attrs["group"])
    per_head = headdim * d_state
    checks = [
        (heads % grp == 0 and headdim % grp == 0 and d_state % grp == 0,
         f"heads {heads}, headdim {headdim} and d_state {d_state} must be multiples of the "
         f"quantization group {grp}"),
        (heads % groups == 0, f"{groups} B/C groups must divide {heads} heads"),
        (lanes % grp == 0 and per_head % lanes == 0,
         f"{lanes} lanes must be a multiple of the group {grp} and divide a head's "
         f"{per_head} (channel, state) pairs"),
        (d_state % lanes == 0 or lanes % d_state == 0,
         f"{lanes} lanes and d_state {d_state} must divide one another"),
    ]  # fmt: skip
    for ok, why in checks:
        if not ok:
            raise _geometry_error(node_name, why)
    at = {k: int(v) for k, v in attrs.items()}
    a_q = np.asarray(consts["a_q"], np.int64)
    e_shift = at["frac_dts"] + np.asarray(consts["a_shift"], np.int64) - at["frac_te"]
    d_q = np.asarray(consts["d_q"], np.int64)
    k_shift = np.asarray(consts["d_shift"], np.int64) + at["frac_x"] - at["frac_y"]
    bias = np.asarray(consts["dt_bias"], np.int64)
    sp = np.asarray(consts["sp_table"], np.int64)
    ex = np.asarray(consts["exp_table"], np.int64)
    bias_w = signed_bits(bias.tolist())
    if bias_w > in_w:
        raise _geometry_error(node_name, f"dt_bias needs {bias_w} bits, the input is {in_w}")
    a_w, d_w = signed_bits(a_q.tolist()), signed_bits(d_q.tolist())
    sp_w, sp_signed = table_bits(sp)
    e_w, e_signed = table_bits(ex)
    fields = [(bias, bias_w), (a_q, a_w), (e_shift, SHIFT_W), (d_q, d_w), (k_shift, SHIFT_W)]
    head_rows = []
    for h in range(heads):
        word = 0
        for values, width in fields:
            word = (word << width) | (int(values[h]) & ((1 << width) - 1))
        total = bias_w + a_w + d_w + 2 * SHIFT_W
        head_rows.append(f"{word:0{-(-total // 4)}x}")
    params: dict[str, Any] = dict(
        HEADS=heads, HEADDIM=headdim, D_STATE=d_state, GROUPS_BC=groups, LANES=lanes,
        GROUP=grp, IN_W=in_w, BITS=at["ssm_bits"], SB=at["state_bits"], BIAS_W=bias_w,
        A_W=a_w, D_W=d_w, HSH_W=SHIFT_W, SP_W=sp_w, SP_SIGNED=sp_signed, SP_DEPTH=len(sp),
        SP_SHIFT=at["frac_dt"] - at["frac_tsp"], SP_LO=at["lo_sp"],
        SP_ID_SHIFT=at["frac_dt"] - at["frac_dts"], E_W=e_w, E_SIGNED=e_signed, E_DEPTH=len(ex), E_LO=at["lo_e"],
        E_MAXL=max(0, MAX_SHIFT - int(e_shift.min())),
        DBX_K=at["frac_dts"] + at["frac_x"] + at["frac_bc"] - at["frac_h"],
        DA_F=at["frac_da"], Y_K=at["frac_h"] + at["frac_bc"] - at["frac_y"],
        SK_MAXL=max(0, MAX_SHIFT - int(k_shift.min())), Y_W=y_w,
    )  # fmt: skip
    files = {
        "SP_FILE": [hex_word([v], sp_w) for v in sp.tolist()],
        "E_FILE": [hex_word([v], e_w) for v in ex.tolist()],
        "HEAD_FILE": head_rows,
    }
    if state is not None:
        files["STATE_FILE"] = state_image(np.asarray(state, np.int64), params)
    return SsmStepRtl(params, files)


#: the constant inputs of an IntSSMStep after x, dt, B, C and the state, in order
CONSTANTS = ("a_q", "a_shift", "d_q", "d_shift", "dt_bias", "sp_table", "exp_table")


def ssm_step_of_node(node: Node, lanes: int, **kw: Any) -> SsmStepRtl:
    """`ssm_step_rtl` for a quantized IntSSMStep node (its shapes, attrs and constants)."""
    if node.op != "IntSSMStep":
        raise RtlUnsupportedError(f"node {node.name!r} is a {node.op}, not an IntSSMStep.")
    missing = [k for k, v in zip(CONSTANTS, node.inputs[5:], strict=False) if v.const is None]
    if missing:
        raise RtlUnsupportedError(
            f"IntSSMStep node {node.name!r} has non-constant {', '.join(missing)}; the SSM unit "
            "keeps them in tables, so quantize the model with constant parameters."
        )
    consts = {k: v.const for k, v in zip(CONSTANTS, node.inputs[5:], strict=True)}
    _, heads, headdim, d_state = node.inputs[4].shape
    groups = node.inputs[2].shape[1]
    return ssm_step_rtl(node.name, dict(node.attrs), consts, heads=heads, headdim=headdim,
                        d_state=d_state, groups=groups, lanes=lanes, **kw)  # fmt: skip


def state_image(state: np.ndarray, params: dict[str, Any]) -> list[str]:
    """The state memory's words for a state [heads, headdim, d_state] of values q << s: per
    group of GROUP states the largest shift (up to 15) that divides every value, the codes
    q = value >> shift (ValueError when they do not fit SB bits)."""
    lanes, grp, sb = int(params["LANES"]), int(params["GROUP"]), int(params["SB"])
    parts = np.asarray(state, np.int64).reshape(-1, grp)
    shifts = np.zeros(len(parts), np.int64)
    for k in range(1, MAX_SHIFT + 1):
        shifts += np.all(parts % (1 << k) == 0, axis=1)
    q = parts >> shifts[:, None]
    if q.min() < -(1 << (sb - 1)) or q.max() >= 1 << (sb - 1):
        raise ValueError(f"the initial state has values that are no {sb}-bit codes << shift")
    flat_q, flat_s = q.reshape(-1, lanes), shifts.reshape(-1, lanes // grp)
    width = lanes * sb + (lanes // grp) * 4
    words = []
    for row_q, row_s in zip(flat_q, flat_s, strict=True):
        codes = int(hex_word(row_q.tolist(), sb), 16)
        bits = int(hex_word(row_s.tolist(), 4), 16)
        words.append(f"{(bits << (lanes * sb)) | codes:0{-(-width // 4)}x}")
    return words


def beats(x: np.ndarray, dt: np.ndarray, b: np.ndarray, c: np.ndarray, grp: int) -> list[list[int]]:
    """One step's input beats (each `grp` codes): dt, B, C, then x head by head."""
    flat = [np.asarray(dt).reshape(-1), np.asarray(b).reshape(-1), np.asarray(c).reshape(-1)]
    flat.append(np.asarray(x).reshape(-1))
    out: list[list[int]] = []
    for part in flat:
        out += [part[i : i + grp].tolist() for i in range(0, len(part), grp)]
    return out


def pot_quant_params(attrs: dict[str, Any], n: int, in_w: int) -> dict[str, int]:
    """`ff_pot_quant` parameters of an IntLinear / IntConv1d activation quantizer over words
    of `n` codes (`act_group` must divide n)."""
    grp = int(attrs["act_group"])
    if grp > 0 and n % grp:
        raise RtlUnsupportedError(f"{n} codes per word are not a multiple of act_group {grp}.")
    shift = int(attrs.get("act_shift", 0))
    if grp == 0 and shift > MAX_SHIFT:
        raise RtlUnsupportedError(f"a static activation shift of {shift} exceeds {MAX_SHIFT}.")
    return {"IN_W": in_w, "BITS": int(attrs["act_bits"]), "N": n, "GROUP": grp, "SHIFT": shift}


def build(planner: Any, stage: Any, nodes: list[Node]) -> None:
    """Streaming tops do not place Mamba-2 layers: one sentence naming the stage."""
    raise decode_only(planner, stage, nodes, "ff_ssm_step")
