"""The RTL top of a LightMamba decode step (`--backend rtl` on a Mamba-2 decode step).

The hardware part of one token (`quant.lightmamba.decode_split`: embedding codes in, final
residual codes out) as a sequential controller over one code memory: each phase streams the
vectors one node reads from the memory through the node's unit and writes the unit's outputs
back (`rtl/templates/mamba_top.v.j2`). Units: `ff_rmsnorm` per RMSNorm, `ff_causal_conv`
with its SiLU `ff_int_table` behind it per conv1d, `ff_int_table` per other table,
`ff_ssm_step` per layer (it keeps the layer's SSM state), `ff_hadamard` per Hadamard,
`ff_add` per residual add and ONE `ff_pot_gemv` engine that every IntLinear uses in turn
(weights and shift pairs from ROMs). States stay on chip across tokens (the conv windows
in the code memory, the SSM states in their units); reset starts a new sequence.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from fpgaforge.ir.graph import Graph
from fpgaforge.ir.node import Node
from fpgaforge.quant.lightmamba.decode import DecodeSplit, DecodeTrace, decode_split
from fpgaforge.rtl.errors import RtlUnsupportedError
from fpgaforge.units.causal_conv.rtl import conv_out_bits, conv_unit, state_bits
from fpgaforge.units.rmsnorm.rtl import rmsnorm_out_bits, rmsnorm_unit, table_out_bits, table_unit
from fpgaforge.units.rom import DecodeUnit, hex_word

LANES = 8
"""Codes per beat of the norm, table, conv and add units."""
GEMV_PE, GEMV_SIMD, GEMV_AG = 8, 16, 8
SSM_LANES = 8
HAD_LANES, HAD_KL = 4, 8
IO_LANES = 8
PHASE_GAP = 1
"""Cycles between a phase's last output and the next phase's first input."""


@dataclass
class MambaTopPlan:
    """Everything the template renders: phases, units, address tables, memory images."""

    top: str
    width: int
    depth: int
    phases: list[dict[str, Any]]
    units: list[dict[str, Any]]
    rd: list[int]
    rd2: list[int]
    wr: list[int]
    wr2: list[int]
    mems: dict[str, list[str]] = field(default_factory=dict)
    residual_in: tuple[int, int] = (0, 0)
    residual_out: tuple[int, int] = (0, 0)
    conv_states: dict[str, tuple[int, int]] = field(default_factory=dict)
    ssm_states: dict[str, str] = field(default_factory=dict)


def _fail(node: Node, why: str) -> RtlUnsupportedError:
    return RtlUnsupportedError(f"{node.op} node {node.name!r}: {why}.")


class _Planner:
    def __init__(self, split: DecodeSplit) -> None:
        self.split = split
        self.addr: dict[str, int] = {}
        self.width: dict[str, int] = {}
        self.depth = 0
        self.phases: list[dict[str, Any]] = []
        self.units: list[dict[str, Any]] = []
        self.rd: list[int] = []
        self.rd2: list[int] = []
        self.wr: list[int] = []
        self.wr2: list[int] = []
        self.mems: dict[str, list[str]] = {}
        self.gemv: dict[str, Any] | None = None
        self.w_words: list[str] = []
        self.s_words: list[str] = []
        self.conv_states: dict[str, tuple[int, int]] = {}
        self.ssm_states: dict[str, str] = {}
        self.skip: set[str] = set()

    def alloc(self, name: str, size: int, bits: int) -> int:
        self.addr[name] = self.depth
        self.width[name] = bits
        self.depth += size
        return self.addr[name]

    def phase(self, kind, node, rd, wr, rd2=None, wr2=None, **extra) -> dict[str, Any]:
        ph = {"idx": len(self.phases), "kind": kind, "node": node, "in_beats": len(rd),
              "out_beats": len(wr), "rd_off": len(self.rd), "wr_off": len(self.wr), "unit": "",
              "out_lanes": 0, "out_w": 1, "out2_lanes": 0, "out2_w": 1, **extra}  # fmt: skip
        self.rd += rd
        self.rd2 += rd2 if rd2 is not None else [0] * len(rd)
        self.wr += wr
        self.wr2 += wr2 if wr2 is not None else [0] * len(wr)
        self.phases.append(ph)
        return ph

    def unit(self, kind: str, inst: str, ph: dict, du: DecodeUnit, **ports) -> None:
        for name, words in du.mems.items():
            self.mems[f"mem/{inst}_{name}"] = words
        params = {
            k: (f'"mem/{inst}_{v}"' if isinstance(v, str) else v) for k, v in du.params.items()
        }
        self.units.append({"kind": kind, "inst": inst, "module": du.module, "params": params,
                           "phase": ph["idx"], "in2_lanes": 0, "in2_w": 1, "out2_lanes": 0,
                           "out2_w": 1, **ports})  # fmt: skip
        ph["unit"] = inst
        ph["out_lanes"], ph["out_w"] = ports["out_lanes"], ports["out_w"]
        ph["out2_lanes"], ph["out2_w"] = ports.get("out2_lanes", 0), ports.get("out2_w", 1)


def _beats(base: int, count: int, lanes: int) -> list[int]:
    return [base + i for i in range(0, count, lanes)]


def _inst(node: Node, i: int) -> str:
    safe = "".join(c if c.isalnum() else "_" for c in node.name).strip("_")
    return f"u{i:02d}_{safe}"[:48]


def plan_decode_rtl(qgraph: Graph, top: str = "mamba_top") -> MambaTopPlan:
    """The decode-step top of `qgraph` (a LightMamba-quantized Mamba-2 decode step)."""
    split = decode_split(qgraph)
    p = _Planner(split)
    n_in = split.boundary.outputs[0].size
    res = p.alloc(split.residual_in, n_in, int(split.boundary.attrs.get("bits", 32)))
    p.phase("input", "host", [], _beats(res, n_in, IO_LANES))
    for i, node in enumerate(split.nodes):
        _node(p, node, i)
    out = split.residual_out
    if out not in p.addr:
        raise RtlUnsupportedError(f"The final residual {out!r} is not written by any unit.")
    n_out = split.nodes[-1].outputs[0].size
    if n_in % IO_LANES or n_out % IO_LANES:
        raise RtlUnsupportedError(f"d_model {n_in} is not a multiple of {IO_LANES} lanes.")
    p.phase(
        "output", "host", _beats(p.addr[out], n_out, IO_LANES), _beats(p.addr[out], n_out, IO_LANES)
    )
    if p.gemv is not None:
        p.gemv["w_depth"], p.gemv["s_depth"] = len(p.w_words), len(p.s_words)
        p.mems[p.gemv["w_file"]] = p.w_words
        p.mems[p.gemv["s_file"]] = p.s_words
    width = max(p.width.values())
    return MambaTopPlan(
        top=top, width=width, depth=p.depth, phases=p.phases, units=p.units, rd=p.rd or [0],
        rd2=p.rd2 or [0], wr=p.wr or [0], wr2=p.wr2 or [0], mems=p.mems,
        residual_in=(res, n_in), residual_out=(p.addr[out], n_out),
        conv_states=p.conv_states, ssm_states=p.ssm_states,
    )  # fmt: skip


def _src(p: _Planner, node: Node, k: int) -> tuple[int, int]:
    name = node.inputs[k].name
    if name not in p.addr:
        raise _fail(node, f"its input {name!r} comes from no unit of the decode-step top")
    return p.addr[name], p.width[name]


def _node(p: _Planner, node: Node, i: int) -> None:
    op = node.op
    if node.name in p.skip:
        return
    if op in ("Reshape", "Flatten", "Squeeze", "Unsqueeze"):
        p.addr[node.outputs[0].name], p.width[node.outputs[0].name] = _src(p, node, 0)
        return
    if op == "Split":
        base, bits = _src(p, node, 0)
        for v in node.outputs:
            p.addr[v.name], p.width[v.name] = base, bits
            base += v.size
        return
    inst = _inst(node, i)
    if op == "IntRMSNorm":
        base, w_in = _src(p, node, 0)
        n = node.inputs[0].size
        out_w = rmsnorm_out_bits(node)
        dst = p.alloc(node.outputs[0].name, n, out_w)
        gated = len(node.inputs) > 2
        z_base, z_w = _src(p, node, 2) if gated else (0, 1)
        du = rmsnorm_unit(node, LANES, w_in, out_w, z_w=z_w if gated else 0, mem=inst)
        ph = p.phase("rmsnorm", node.name, _beats(base, n, LANES), _beats(dst, n, LANES),
                     rd2=_beats(z_base, n, LANES) if gated else None)  # fmt: skip
        p.unit("rmsnorm", inst, ph, du, in_lanes=LANES, in_w=w_in, in2_lanes=LANES if gated else 0,
               in2_w=z_w, out_lanes=LANES, out_w=out_w, note=f"RMSNorm {node.name}")  # fmt: skip
    elif op == "IntTable":
        base, w_in = _src(p, node, 0)
        n = node.inputs[0].size
        out_w = table_out_bits(node, w_in)
        dst = p.alloc(node.outputs[0].name, n, out_w)
        du = table_unit(node, LANES, w_in, out_w, mem=inst)
        ph = p.phase("table", node.name, _beats(base, n, LANES), _beats(dst, n, LANES))
        p.unit("table", inst, ph, du, in_lanes=LANES, in_w=w_in, out_lanes=LANES, out_w=out_w,
               note=f"{node.attrs.get('func', '')} table {node.name}")  # fmt: skip
    elif op == "IntConv1d":
        _conv(p, node, inst)
    elif op == "Add":
        (a, wa), (b, wb) = _src(p, node, 0), _src(p, node, 1)
        n = node.outputs[0].size
        out_w = max(wa, wb) + 1
        dst = p.alloc(node.outputs[0].name, n, out_w)
        du = DecodeUnit("ff_add", {"A_W": wa, "B_W": wb, "OUT_W": out_w, "LANES": LANES})
        ph = p.phase(
            "add", node.name, _beats(a, n, LANES), _beats(dst, n, LANES), rd2=_beats(b, n, LANES)
        )
        p.unit("add", inst, ph, du, in_lanes=LANES, in_w=wa, in2_lanes=LANES, in2_w=wb,
               out_lanes=LANES, out_w=out_w, note=f"residual add {node.name}")  # fmt: skip
    elif op == "Hadamard":
        _hadamard(p, node, inst)
    elif op == "IntLinear":
        _linear(p, node)
    elif op == "IntSSMStep":
        _ssm(p, node, inst)
    else:
        raise _fail(
            node, "the decode-step RTL top has no unit for this op; build with --backend hls"
        )


def _conv(p: _Planner, node: Node, inst: str) -> None:
    users = node.outputs[0].users
    silu = users[0] if len(users) == 1 and users[0].op == "IntTable" else None
    if silu is None:
        raise _fail(node, "the RTL conv1d needs one IntTable (SiLU) behind it")
    base, w_in = _src(p, node, 0)
    ch, k = np.asarray(node.const_input(1)).shape
    st_name = node.inputs[4].name
    xq_w = state_bits(node, w_in)
    st = p.alloc(st_name, ch * (k - 1), xq_w)
    p.addr[node.outputs[1].name], p.width[node.outputs[1].name] = st, xq_w
    p.conv_states[node.outputs[1].name] = (st, ch * (k - 1))
    conv_w = conv_out_bits(node, w_in)
    out_w = table_out_bits(silu, conv_w)
    p.addr[node.outputs[0].name], p.width[node.outputs[0].name] = -1, conv_w
    dst = p.alloc(silu.outputs[0].name, ch, out_w)
    du = conv_unit(node, LANES, w_in, conv_w, mem=inst)
    table = table_unit(silu, LANES, conv_w, out_w, mem=f"{inst}_silu")
    for name, words in table.mems.items():
        p.mems[f"mem/{inst}_{name}"] = words
    table_params = {k: (f'"mem/{inst}_{v}"' if isinstance(v, str) else v)
                    for k, v in table.params.items()}  # fmt: skip
    sl = LANES * (k - 1)
    ph = p.phase("conv", f"{node.name} + {silu.name}", _beats(base, ch, LANES),
                 _beats(dst, ch, LANES), rd2=_beats(st, ch * (k - 1), sl),
                 wr2=_beats(st, ch * (k - 1), sl))  # fmt: skip
    p.unit("conv", inst, ph, du, in_lanes=LANES, in_w=w_in, in2_lanes=sl, in2_w=xq_w,
           out_lanes=LANES, out_w=out_w, out2_lanes=sl, out2_w=xq_w, conv_lanes=LANES,
           conv_w=conv_w, table_params=table_params, note=f"conv1d {node.name}, SiLU {silu.name}")  # fmt: skip
    p.skip.add(silu.name)


def _hadamard(p: _Planner, node: Node, inst: str) -> None:
    from fpgaforge.units.hadamard.signs import sign_rows

    base, w_in = _src(p, node, 0)
    n = node.inputs[0].size
    k = next((k for k in (1, 12, 20, 28) if n % k == 0 and (n // k) & (n // k - 1) == 0), 0)
    if not k or bool(node.attrs.get("normalized")):
        raise _fail(node, f"ff_hadamard takes an unnormalized transform of K * 2^k codes, not {n}")
    out_w = w_in + int(math.log2(n // k)) + (math.ceil(math.log2(k)) if k > 1 else 0)
    dst = p.alloc(node.outputs[0].name, n, out_w)
    lanes, kl = min(HAD_LANES, n // k // 2), min(HAD_KL, n // k)
    params: dict[str, int | str] = {"N": n, "K": k, "LANES": lanes, "KL": kl, "IN_W": w_in}
    mems = {}
    if k > 1:
        params["H_FILE"] = "signs.hex"
        mems["signs.hex"] = [hex_word([r], k) for r in sign_rows(k)]
    du = DecodeUnit("ff_hadamard", params, mems)
    ph = p.phase("hadamard", node.name, _beats(base, n, 2 * lanes), _beats(dst, n, kl))
    p.unit("hadamard", inst, ph, du, in_lanes=2 * lanes, in_w=w_in, out_lanes=kl, out_w=out_w,
           note=f"Hadamard {node.name}")  # fmt: skip


def _linear(p: _Planner, node: Node) -> None:
    from fpgaforge.units.pot_gemv.streams import Product, pack_product

    base, w_in = _src(p, node, 0)
    a = node.attrs
    if int(a["act_group"]) != GEMV_AG or int(a["out_bits"]) > 32:
        raise _fail(
            node,
            f"the GEMV engine takes W4A4 products with activations in groups of {GEMV_AG} and "
            "32-bit outputs; quantize with lightmamba or build with --backend hls",
        )
    q = np.asarray(node.const_input(1))
    rows, cols = q.shape
    simd = min(GEMV_SIMD, int(a["group"]))
    packed = pack_product(Product.of(node, np.zeros(cols, np.int64)), GEMV_PE, simd, GEMV_AG)
    if p.gemv is None:
        p.gemv = {"kind": "gemv", "inst": "u_gemv", "module": "ff_pot_gemv", "pe": GEMV_PE,
                  "simd": simd, "ag": GEMV_AG, "in_w": w_in, "out_w": 32, "phases": [],
                  "w_file": "mem/gemv_w.hex", "s_file": "mem/gemv_s.hex", "note": "every linear layer",
                  "xdepth": 1}  # fmt: skip
        p.units.append(p.gemv)
    g = p.gemv
    if simd != g["simd"]:
        raise _fail(
            node, f"its weight group {a['group']} does not fit the engine's {g['simd']} lanes"
        )
    g["in_w"] = max(g["in_w"], w_in)
    g["xdepth"] = max(g["xdepth"], cols // simd)
    dst = p.alloc(node.outputs[0].name, rows, int(a["out_bits"]))
    cfg = packed["cfg"]
    ph = p.phase("gemv", node.name, _beats(base, cols, simd), _beats(dst, rows, GEMV_PE),
                 unit="u_gemv", out_lanes=GEMV_PE, out_w=32, row_blocks=cfg["row_blocks"],
                 col_beats=cfg["col_beats"], group_beats=cfg["group_beats"], shift=cfg["shift"],
                 w_off=len(p.w_words), w_beats=len(packed["w"]), s_off=len(p.s_words),
                 s_beats=len(packed["s"]))  # fmt: skip
    digits = GEMV_PE * simd
    p.w_words += [f"{w:0{digits}x}" for w in packed["w"]]
    p.s_words += [f"{s:0{-(-GEMV_PE * 6 // 4)}x}" for s in packed["s"]]
    g["phases"].append(ph)
    g["params"] = {"PE": GEMV_PE, "SIMD": simd, "AG": GEMV_AG, "WB": 4, "AB": 4, "SA_W": 4,
                   "ACC_W": 48, "OUT_W": 32, "XDEPTH": g["xdepth"], "DIM_W": 12}  # fmt: skip


def _ssm(p: _Planner, node: Node, inst: str) -> None:
    from fpgaforge.units.ssm_scan.rtl import ssm_step_of_node, state_image

    (x, wx), (dt, wdt), (b, wb), (c, wc) = (_src(p, node, k) for k in range(4))
    in_w = max(wx, wdt, wb, wc, 32)
    rtl = ssm_step_of_node(node, SSM_LANES, in_w=in_w, y_w=32)
    params = dict(rtl.params)
    files = dict(rtl.files)
    files["STATE_FILE"] = state_image(np.zeros(node.inputs[4].shape[1:], np.int64), params)
    mems = {}
    for key, words in files.items():
        mems[f"{key.lower()}.hex"] = words
        params[key] = f"{key.lower()}.hex"
    grp = int(params["GROUP"])
    heads, headdim = node.inputs[0].shape[1], node.inputs[0].shape[2]
    rd = [dt + i for i in range(0, node.inputs[1].size, grp)]
    rd += [b + i for i in range(0, node.inputs[2].size, grp)]
    rd += [c + i for i in range(0, node.inputs[3].size, grp)]
    rd += [x + i for i in range(0, heads * headdim, grp)]
    np_ = max(SSM_LANES // int(params["D_STATE"]), 1)
    y_w = int(params["Y_W"])
    dst = p.alloc(node.outputs[0].name, heads * headdim, y_w)
    p.ssm_states[node.outputs[1].name] = inst
    ph = p.phase("ssm", node.name, rd, _beats(dst, heads * headdim, np_))
    p.unit("ssm", inst, ph, DecodeUnit("ff_ssm_step", params, mems), in_lanes=grp, in_w=in_w,
           out_lanes=np_, out_w=y_w, note=f"SSM step {node.name} (keeps its state)")  # fmt: skip


def render_top(plan: MambaTopPlan, model: str) -> str:
    """The Verilog text of the decode-step top (`rtl/templates/mamba_top.v.j2`)."""
    from fpgaforge.rtl.generator import banner, environment

    return (
        environment()
        .get_template("mamba_top.v.j2")
        .render(
            header=banner(),
            model=model,
            top=plan.top,
            w=plan.width,
            depth=plan.depth,
            aw=max(1, (plan.depth - 1).bit_length()),
            io_lanes=IO_LANES,
            io_w=plan.width,
            phases=plan.phases,
            units=plan.units,
            rd=plan.rd,
            rd2=plan.rd2,
            wr=plan.wr,
            wr2=plan.wr2,
        )
    )


#: library modules each unit module instantiates
SUBMODULES = {
    "ff_causal_conv": ("ff_int_table",),
    "ff_pot_gemv": ("ff_pot_quant",),
    "ff_ssm_step": ("ff_pot_quant", "ff_shift_round"),
}


def sources(plan: MambaTopPlan) -> list[str]:
    """The library modules the top instantiates, each once."""
    mods: list[str] = []
    for u in plan.units:
        for m in (u["module"], *SUBMODULES.get(u["module"], ())):
            if m not in mods:
                mods.append(m)
    return mods


def bench_spec(plan: MambaTopPlan, trace: DecodeTrace) -> dict[str, Any]:
    """tb/vectors.json: per token the embedding codes, the final residual codes and every new
    state; where the bench reads the states (code memory ranges, SSM units)."""
    ssm = {}
    for name, inst in plan.ssm_states.items():
        p = next(u for u in plan.units if u["inst"] == inst)["params"]
        lanes, group = int(p["LANES"]), int(p["GROUP"])
        depth = int(p["HEADS"]) * int(p["HEADDIM"]) * int(p["D_STATE"]) // lanes
        ssm[name] = {
            "inst": inst,
            "lanes": lanes,
            "group": group,
            "sb": int(p["SB"]),
            "depth": depth,
        }
    tokens = []
    for t in range(len(trace.tokens)):
        tokens.append({
            "token": int(trace.tokens[t]),
            "residual_in": trace.residual_in[t].tolist(),
            "residual_out": trace.residual_out[t].tolist(),
            "states": {k: v[t].tolist() for k, v in trace.states.items()},
        })  # fmt: skip
    return {
        "io_lanes": IO_LANES,
        "io_w": plan.width,
        "w": plan.width,
        "conv_states": {k: list(v) for k, v in plan.conv_states.items()},
        "ssm_states": ssm,
        "tokens": tokens,
    }
