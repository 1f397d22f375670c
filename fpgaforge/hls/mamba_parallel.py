"""The parallelism of the Mamba-2 decode-step kernels, read from the decode-step estimate
(`estimate.json`'s `units`, written by `fpgaforge.dataflow.mamba_step`): the lanes of each
kernel (config fields `ROWS`/`SIMD`, `LANES`), how its arrays are split into banks so those
lanes read and write in one cycle (`ARRAY_PARTITION` / `ARRAY_RESHAPE` factors), and the
memory each constant table is bound to (`BIND_STORAGE`)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from fpgaforge.hls.errors import HlsError
from fpgaforge.units.hls_call import KernelCall

AUX_PER_SSM_LANE = 8
"""The estimate's RMSNorm, conv1d and Hadamard units have max(ssm_lanes / 8, 16) lanes
(`dataflow/mamba_decode.py`, `_units`)."""
AUX_MIN = 16


@dataclass(frozen=True)
class Lanes:
    """The unit sizes of the estimate."""

    gemv_lanes: int
    gemv_simd: int
    ssm_lanes: int

    @property
    def aux(self) -> int:
        """Lanes of the RMSNorm, conv1d and Hadamard units."""
        return max(self.ssm_lanes // AUX_PER_SSM_LANE, AUX_MIN)


def lanes_of(estimate: dict) -> Lanes:
    """The lanes of `estimate` (the record of `estimate.json`)."""
    units = estimate.get("units", {})
    try:
        return Lanes(int(units["gemv_lanes"]), int(units["gemv_simd"]), int(units["ssm_lanes"]))
    except (KeyError, TypeError, ValueError) as err:
        raise HlsError(
            f"The decode-step estimate has no unit size {err}; the HLS decode step reads "
            "gemv_lanes, gemv_simd and ssm_lanes from estimate.json's units."
        ) from None


def _divisor(n: int, limit: int) -> int:
    """The largest divisor of n that is at most `limit` (at least 1)."""
    best = 1
    for d in range(1, int(math.isqrt(n)) + 1):
        if n % d == 0:
            for c in (d, n // d):
                if c <= limit:
                    best = max(best, c)
    return best


def kernel_lanes(call: KernelCall, lanes: Lanes) -> dict[str, int]:
    """The lane fields of the config of `call` (none for the copies, adds and tables)."""
    c = call.consts
    kind = call.func.split("::")[-1]
    if kind in ("linear", "linear_scaled"):
        simd = _divisor(math.gcd(c["K"], c["GROUP"]), lanes.gemv_simd)
        return {"ROWS": max(1, min(c["N"], lanes.gemv_lanes // simd)), "SIMD": simd}
    if kind == "ssm_step":
        return {"LANES": max(1, min(lanes.ssm_lanes, c["P"] * c["S"]))}
    if kind == "conv1d":
        return {"LANES": max(1, min(lanes.aux, c["C"]))}
    if kind == "rmsnorm":
        return {"LANES": max(1, min(lanes.aux, c["GROUP"]))}
    if kind == "hadamard":
        return {"LANES": max(1, min(lanes.aux, c["P"] // 2))}
    if kind in ("slice", "add"):
        return {"LANES": max(1, min(lanes.aux, c["N"]))}
    return {}


def arg_factors(call: KernelCall) -> list[int]:
    """Per array argument of `call` (inputs, then outputs), how many codes its lanes touch
    in one cycle: the bank count the caller's array needs (1: one port is enough)."""
    c = call.consts
    kind = call.func.split("::")[-1]
    n_args = len(call.inputs) + len(call.outputs)
    factors = [1] * n_args
    if kind in ("linear", "linear_scaled"):
        factors[:2] = [c["SIMD"], c["ROWS"]]  # x: SIMD codes a cycle; y: ROWS rows a block
    elif kind == "conv1d":
        lanes, taps = c["LANES"], c["K"] - 1
        factors[:4] = [lanes, lanes * taps, lanes, lanes * taps]  # x, state_in, y, state_out
    elif kind == "rmsnorm":
        factors = [c["LANES"]] * 3
    elif kind == "hadamard":
        factors = [c["LANES"]] * 2
    elif kind == "table":
        factors = [2, 2]  # the two ports of the ROM
    elif kind in ("slice", "add"):
        factors = [c["LANES"]] * n_args
    elif kind == "ssm_step":
        ch = max(c["LANES"] // c["S"], 1)
        factors[0] = ch  # x
        factors[2] = factors[3] = c["S"]  # B, C: a group's S codes a cycle
        factors[4] = factors[6] = ch * c["S"]  # state_in, state_out
        factors[5] = ch  # y
    return factors


def table_pragmas(call: KernelCall) -> list[str]:
    """The `#pragma HLS` lines of the constant tables of `call`: the weights reshaped into
    words as wide as the lanes read per cycle (one on-chip ROM word per cycle, the weight
    buffer of the estimate), the function tables in block RAM."""
    c = call.consts
    kind = call.func.split("::")[-1]
    tables = call.tables
    lines: list[str] = []

    def reshape(i: int, factor: int, impl: str = "bram") -> None:
        t = tables[i]
        size = len(t.values)
        how = "complete" if factor >= size else f"cyclic factor = {factor}"
        lines.append(f"#pragma HLS ARRAY_RESHAPE variable = {t.name} {how} dim = 1")
        if factor < size:
            lines.append(
                f"#pragma HLS BIND_STORAGE variable = {t.name} type = rom_2p impl = {impl}"
            )

    def rom(i: int) -> None:
        lines.append(
            f"#pragma HLS BIND_STORAGE variable = {tables[i].name} type = rom_2p impl = bram"
        )

    if kind == "linear":
        groups = c["K"] // c["GROUP"]
        reshape(0, c["ROWS"] * c["K"])
        reshape(1, c["ROWS"] * groups)
        reshape(2, c["ROWS"] * groups)
    elif kind == "linear_scaled":
        reshape(0, c["ROWS"] * c["K"])
        reshape(1, c["ROWS"] * (c["K"] // c["GROUP"]))
    elif kind == "conv1d":
        reshape(0, c["LANES"] * c["K"])
        reshape(1, c["LANES"])
        reshape(2, c["LANES"])
    elif kind in ("table", "rmsnorm"):
        rom(0)
    elif kind == "ssm_step":
        rom(5)
        rom(6)
    elif kind == "hadamard":
        lines.append(f"#pragma HLS ARRAY_PARTITION variable = {tables[0].name} complete dim = 1")
    return lines


def _up(n: int, d: int) -> int:
    return -(-n // max(d, 1))


def loop_cycles(call: KernelCall) -> int:
    """The trip counts of the pipelined (II = 1) loops of `call`: its cycles when every
    loop reaches II = 1, without pipeline fill (a schedule read from the kernel source, not
    a synthesis result)."""
    c = call.consts
    kind = call.func.split("::")[-1]
    if kind in ("linear", "linear_scaled"):
        quant = 2 if c["ACT_GROUP"] > 0 else 1
        tiles = _up(c["N"], c["ROWS"]) * (c["K"] // c["SIMD"])
        return (2 + quant) * _up(c["K"], c["SIMD"]) + tiles
    if kind == "conv1d":
        quant = 2 if c["ACT_GROUP"] > 0 else 1
        return (3 + quant) * _up(c["C"], c["LANES"])
    if kind == "rmsnorm":
        return 3 * _up(c["N"], c["LANES"])
    if kind == "hadamard":
        stages = max(c["P"].bit_length() - 1, 0)
        butterflies = c["KB"] * stages * _up(c["P"] // 2, c["LANES"])
        return 2 * _up(c["N"], c["LANES"]) + butterflies
    if kind == "ssm_step":
        ch = max(c["LANES"] // c["S"], 1)
        heads = 4 * c["H"]  # softplus, its quantizer (absmax, quant), decay
        x = 3 * c["H"] * _up(c["P"], ch)  # copy, absmax, quant
        gs = min(c["GROUP"], c["S"])
        bc = c["G"] * (1 + 4 * (c["S"] // gs))  # copy, then absmax and quant of B and C
        return heads + x + bc + c["H"] * _up(c["P"], ch)
    if kind == "table":
        return _up(c["N"], 2)
    if kind in ("slice", "add"):
        return _up(c["N"], c["LANES"])
    return 0


def phase_cycles(calls: list[KernelCall]) -> dict[str, int]:
    """`loop_cycles` of the decode step's calls summed per phase of the estimate
    (`phase_cycles_per_token`): the norms, the two GEMVs, conv1d with its SiLU table, the SSM,
    the gated norm with its gate table, the Hadamard; the copies and adds are `glue`."""
    producer = {name: call for call in calls for name in call.outputs}
    gates = {
        call.inputs[1] for call in calls if call.func.endswith("::rmsnorm") and call.consts["GATED"]
    }
    phases: dict[str, int] = {}
    for call in calls:
        kind = call.func.split("::")[-1]
        if kind == "rmsnorm":
            phase = "gated_norm" if call.consts["GATED"] else "norm"
        elif kind in ("linear", "linear_scaled"):
            source = producer.get(call.inputs[0])
            after_hadamard = source is not None and source.func.endswith("::hadamard")
            phase = "out_proj compute" if after_hadamard else "in_proj compute"
        elif kind == "table":
            phase = "gated_norm" if call.outputs[0] in gates else "conv1d"
        elif kind in ("conv1d", "hadamard"):
            phase = kind
        elif kind == "ssm_step":
            phase = "ssm"
        else:
            phase = "glue"
        phases[phase] = phases.get(phase, 0) + loop_cycles(call)
    return phases
