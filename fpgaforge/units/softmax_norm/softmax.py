"""The table softmax unit `ff_softmax`: its geometry (one home for the Verilog parameters,
the cycle count and the multiplier) and its cost.

Per row of `n` codes (rtl/verilog/ff_softmax.v): exp + sum (n cycles), a restoring
divider for R = ceil(2^(F+K) / s) (r_w + 1 cycles), the outputs y = (e · R) >> K (n
cycles, one multiplier). Two row buffers let a row load while the previous one is
processed, so the interval is rows · (2n + r_w + 1) and the input never waits longer
than that.

- cycles (first input to last output, input at full rate) = n + rows · period + 1
- fill = 2n + r_w + 2 (the first row must be complete), drain = period + 1
- DSPs: the (exp_w × r_w) unsigned product; BRAM: none (row buffers in LUT RAM, the
  exp table in logic); LUTs and FFs from `terms.py`
"""

from __future__ import annotations

from dataclasses import dataclass

from fpgaforge.quant.lower.rowwise import EXP_FRAC, SOFTMAX_FRAC
from fpgaforge.units.cost import resource_model as rm
from fpgaforge.units.cost.estimates import Estimates
from fpgaforge.units.cost.template import CostContext


@dataclass(frozen=True)
class SoftmaxGeometry:
    """Widths and sizes of one `ff_softmax` (see the module's header for the arithmetic)."""

    n: int
    in_w: int
    in_signed: bool
    size: int
    shift: int
    exp_w: int
    sum_w: int
    frac: int
    k: int
    r_w: int

    @property
    def period(self) -> int:
        """Cycles per row: exp + sum, the reciprocal, the outputs."""
        return 2 * self.n + self.r_w + 1

    def params(self) -> dict[str, int]:
        """The Verilog parameters (all but the table file)."""
        return {
            "IN_W": self.in_w,
            "IN_SIGNED": int(self.in_signed),
            "N": self.n,
            "SIZE": self.size,
            "SHIFT": self.shift,
            "EXP_W": self.exp_w,
            "SUM_W": self.sum_w,
            "F": self.frac,
            "K": self.k,
            "R_W": self.r_w,
        }


def geometry(
    n: int,
    in_w: int,
    in_signed: bool,
    size: int,
    shift: int,
    exp_max: int,
    exp_first: int,
    frac: int,
) -> SoftmaxGeometry:
    """The unit for rows of `n` codes of `in_w` bits, a table of `size` entries (bucket
    shift `shift`, largest entry `exp_max`, entry at distance 0 `exp_first`, which bounds
    every row's sum from below) and `frac` fractional output bits.

    K = bit length of exp_max · n · exp_max makes e · s <= 2^K for every element e and
    row sum s, the condition under which (e · ceil(2^(F+K) / s)) >> K = floor(e · 2^F / s).
    """
    if exp_first <= 0 or exp_max < exp_first:
        raise ValueError("the exp table's entry at distance 0 must be its largest, above 0")
    exp_w = exp_max.bit_length()
    sum_w = (n * exp_max).bit_length()
    k = (exp_max * n * exp_max).bit_length()
    r_max = -(-(1 << (frac + k)) // exp_first)
    return SoftmaxGeometry(
        n=n,
        in_w=in_w,
        in_signed=in_signed,
        size=size,
        shift=shift,
        exp_w=exp_w,
        sum_w=sum_w,
        frac=frac,
        k=k,
        r_w=r_max.bit_length(),
    )


def default_geometry(n: int, bits: int, signed: bool = True) -> SoftmaxGeometry:
    """The unit the quantizer's table would need for `bits`-bit codes when the table is not
    known yet (a float graph): every distance its own entry, entries up to 2^EXP_FRAC."""
    return geometry(n, bits, signed, 1 << bits, 0, 1 << EXP_FRAC, 1 << EXP_FRAC, SOFTMAX_FRAC)


def product_dsps(wa: int, wb: int, kind: str) -> int:
    """DSPs of one unsigned `wa` × `wb` product. On DSP48E2 as yosys `synth_xilinx` splits it
    (`mul2dsp`, signed ports: one more bit per operand): the wider operand fits the 27-bit
    port whole or is cut into 17-bit slices (18-bit partial ports), the other fits the 18-bit
    port or is cut likewise; elsewhere `resource_model.dsps_per_product`."""
    if kind != "DSP48E2":
        return rm.dsps_per_product(wa + 1, wb + 1, kind)
    a, b = max(wa, wb) + 1, min(wa, wb) + 1

    def parts(width: int, port: int) -> int:
        return 1 if width <= port else -(-(width - 1) // 17)

    return parts(a, 27) * parts(b, 18)


def estimate(g: SoftmaxGeometry, rows: int, ctx: CostContext) -> Estimates:
    """Resources, cycles and energy of `ff_softmax` over `rows` rows."""
    e = ctx.energy
    lut, ff = rm.rtl_unit("ff_softmax", g.params())
    dsp = 0.0
    if ctx.board.capacity["dsp"] > 0:
        dsp = float(product_dsps(g.exp_w, g.r_w, ctx.board.dsp_kind))
    else:
        lut += rm.lut_multiplier(g.exp_w, g.r_w, ctx.board.lut_inputs)
    fabric = "dsp" if dsp else "lut"
    elements = rows * g.n
    io = 2 * elements * g.in_w / 8
    energy = elements * (
        2 * e.add_j(g.sum_w)
        + e.mac_j(g.exp_w, g.r_w, fabric)
        + io / elements * e.onchip_byte_j("lutram")
    ) + rows * g.r_w * e.add_j(g.sum_w)
    ii = rows * g.period
    est = Estimates(dsp=dsp, lut=lut, ff=ff, macs=elements, onchip_bytes=io, energy_j=energy)
    return est.with_(
        cycles=g.n + ii + 1,
        ii=ii,
        fill=2 * g.n + g.r_w + 2,
        drain=g.period + 1,
    )
