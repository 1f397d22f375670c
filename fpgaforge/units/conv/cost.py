"""Streaming convolution: a sliding-window unit (line buffer) feeding an MVAU.

Geometry (2-D; 1-D and 3-D convolutions flatten their extra axes into `in_h`):
input `cin × in_h × in_w`, kernel `kh × kw`, stride, output `cout × out_h × out_w`,
`groups`. The MAC array is an MVAU with mh = cout, mw = (cin/groups)·kh·kw and
vectors = out_h·out_w·batch (grouped convolutions run their groups one after the
other on the same array, which the mw of one group and mh = cout model).

Cost model
- sliding window (FINN ConvolutionInputGenerator): reads the input once at `simd`
  channels per cycle: swu_cycles = in_h·in_w·cin/simd
- resources: the RTL chain's units (`resource_model.rtl_unit_terms`): the input FIFO
  (`ff_fifo`, a frame of input beats up to 256, LUT RAM), the window unit (`ff_swu`: a ring
  of min(in_h, kh + stride) input rows in LUT RAM, one read port per input word a beat
  reads, per-port address logic, sized counters), the MAC array (`MVAU`) and a fused
  `ff_pool`
- stage interval = max(swu_cycles, MVAU fold cycles)
- timing of the RTL chain `ff_fifo` → `ff_swu` → `ff_mvau` (→ `ff_pool`): a window
  leaves the line buffer one cycle after its last pixel is written, and the MVAU
  takes one window every w = (cout/pe)·(mw/simd) cycles. Self-paced latency =
  the later of (first window ready + vectors·w + SF + 1) and (input beats + drain);
  fill (first input → first output) = first window ready − 1 + 2·SF (SF beats into the
  MVAU's input buffer, SF steps, then the output register);
  drain (last input → last output) = 2 + R·w + SF (+1 with a fused pool), where
  R = windows from the first one that needs the last input pixel to the end (the
  last rows/columns that padding lets reach it): the MVAU, idle or finishing the
  window before, reads the first of them SF cycles and then runs R windows
- behind a slower producer the chain cannot start before the first window's last
  pixel has arrived: `need` = the input's share up to that pixel, `need_at` = the cycle
  it is taken at full input rate (`estimates.pipelined` spreads the producer's output
  beats evenly over its output span)
- N:M weights (`n`, `m` > 0; `node.quant.weights == WeightFormat.sparse(n, m)`): the MAC
  array is the N:M unit `SparseGemm` (`ff_sparse_mvau`) instead of the MVAU, with SIMD a
  multiple of M. Its groups are the format's: M consecutive input channels at one kernel
  position, which are M consecutive taps of the window's (ky, kx, c) order when M divides
  the channel count (the match keeps a convolution dense otherwise). Timing is the
  MVAU's at the same PE and SIMD, DSPs are PE·SIMD·N/M, LUTs those of `ff_sparse_mvau`
- a pooling layer fused behind the conv (`pool_k`): `ff_pool` on pe lanes (comparators,
  one row of out_w/pool_k·cout partial results); interval unchanged
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fpgaforge.units.cost import resource_model as rm
from fpgaforge.units.cost.estimates import Estimates
from fpgaforge.units.cost.template import (
    CostContext,
    Epilogue,
    Template,
    fold_pairs,
)
from fpgaforge.units.mvau.cost import MVAU, OUTPUT_REGISTER
from fpgaforge.units.sparse_gemm.cost import SparseGemm


@dataclass(frozen=True)
class ConvSWU(Template):
    """Streaming convolution (sliding window + MAC array), optionally with a fused pool."""

    kind = "conv"
    FOLDING = ("pe", "simd", "weight_mem")

    cin: int
    cout: int
    in_h: int
    in_w: int
    kh: int
    kw: int
    out_h: int
    out_w: int
    groups: int
    batch: int
    weight_bits: int
    act_bits: int
    acc_bits: int
    out_bits: int
    shift_add: bool = False
    k_hot: int = 2
    pool_k: int = 0
    pool_out_h: int = 0
    pool_out_w: int = 0
    epilogue: Epilogue = field(default_factory=Epilogue)
    n: int = 0  # N:M weights: n of every m input channels (0: dense)
    m: int = 0
    pe: int = 1
    simd: int = 1
    weight_mem: str = "auto"

    @property
    def mw(self) -> int:
        return (self.cin // self.groups) * self.kh * self.kw

    @property
    def sparse(self) -> bool:
        """True when the MAC array is the N:M unit."""
        return self.m > 0

    def mvau(self) -> MVAU | SparseGemm:
        """The MAC array of this convolution: an MVAU, or the N:M unit for N:M weights."""
        if self.sparse:
            return SparseGemm(
                mh=self.cout,
                mw=self.mw,
                vectors=self.out_h * self.out_w * self.batch,
                n=self.n,
                m=self.m,
                weight_bits=self.weight_bits,
                act_bits=self.act_bits,
                acc_bits=self.acc_bits,
                out_bits=self.out_bits,
                epilogue=self.epilogue,
                pe=self.pe,
                simd=self.simd,
                weight_mem=self.weight_mem,
            )
        return MVAU(
            mh=self.cout,
            mw=self.mw,
            vectors=self.out_h * self.out_w * self.batch,
            weight_bits=self.weight_bits,
            act_bits=self.act_bits,
            acc_bits=self.acc_bits,
            out_bits=self.out_bits,
            shift_add=self.shift_add,
            k_hot=self.k_hot,
            epilogue=self.epilogue,
            pe=self.pe,
            simd=self.simd,
            weight_mem=self.weight_mem,
        )

    def options(self) -> list[dict]:
        # SIMD must also divide the channel count the window generator reads per cycle
        cg = self.cin // self.groups
        if self.sparse:  # SIMD in whole groups of M
            pairs = [
                {"pe": o["pe"], "simd": o["simd"] * self.m}
                for o in fold_pairs(self.cout, self.mw // self.m)
            ]
        else:
            pairs = fold_pairs(self.cout, self.mw)
        return [
            dict(o, weight_mem=self.weight_mem)
            for o in pairs
            if o["simd"] <= cg and cg % o["simd"] == 0 or o["simd"] % cg == 0
        ]

    def stream_lanes(self) -> tuple[int, int] | None:
        return min(self.simd, self.cin), self.pe

    def burst_beats(self) -> int:
        if self.epilogue.activation in ("lut", "clip"):
            return 0
        if self.pool_k or self.kh * self.kw * self.cin == self.simd:
            return self.cout // self.pe
        return 0

    def memories(self) -> list[tuple[str, int, int]]:
        return self.mvau().memories()

    @property
    def swu_cycles(self) -> int:
        """Cycles the window generator needs to read one input: in_h·in_w·cin/simd."""
        lanes = min(self.simd, self.cin)
        return self.batch * self.in_h * self.in_w * -(-self.cin // lanes)

    @property
    def fill_cycles(self) -> int:
        """Cycles before the first window is complete (line buffer fill)."""
        lanes = min(self.simd, self.cin)
        return ((self.kh - 1) * self.in_w + self.kw) * -(-self.cin // lanes)

    def unit_params(self) -> dict[str, dict[str, Any]]:
        """Parameters of the `ff_fifo`, `ff_swu` and (fused pool) `ff_pool` units of the RTL
        chain in front of and behind the MAC array."""
        lanes = min(self.simd, self.cin)
        beats = self.in_h * self.in_w * self.cin // lanes
        sh, ph, sw, pw = self._stride_pad()
        units = {
            "ff_fifo": {"W": lanes * self.act_bits, "DEPTH": max(2, min(beats, 256))},
            "ff_swu": {
                "EW": self.act_bits,
                "C": self.cin,
                "H": self.in_h,
                "W": self.in_w,
                "KH": self.kh,
                "KW": self.kw,
                "SH": sh,
                "SW": sw,
                "PT": ph,
                "PL": pw,
                "OH": self.out_h,
                "OW": self.out_w,
                "IN_N": lanes,
                "SIMD": self.simd,
            },
        }
        if self.pool_k > 1:
            units["ff_pool"] = {
                "OUT_W": self.out_bits,
                "C": self.cout,
                "W": self.out_w,
                "KW": self.pool_k,
                "LANES": self.pe if self.cout % self.pe == 0 else 1,
            }
        return units

    def estimate(self, ctx: CostContext) -> Estimates:
        est = self.mvau().estimate(ctx)
        for module, params in self.unit_params().items():
            lut, ff = rm.rtl_unit(module, params)
            est += Estimates(lut=lut, ff=ff)
        if self.pool_k > 1:
            pool_outputs = self.cout * self.out_h * self.out_w * self.batch
            est += Estimates(energy_j=pool_outputs * ctx.energy.add_j(self.out_bits))
        return est.with_(**self.timing())

    def _stride_pad(self) -> tuple[int, int, int, int]:
        """(stride_h, pad_top, stride_w, pad_left) implied by the geometry (symmetric padding)."""
        sh = max(1, self.in_h // self.out_h) if self.out_h < self.in_h else 1
        sw = max(1, self.in_w // self.out_w) if self.out_w < self.in_w else 1
        ph = max(0, ((self.out_h - 1) * sh + self.kh - self.in_h + 1) // 2)
        pw = max(0, ((self.out_w - 1) * sw + self.kw - self.in_w + 1) // 2)
        return sh, ph, sw, pw

    def timing(self) -> dict[str, int]:
        """Cycles, interval, fill and drain of the convolution chain (module docstring)."""
        mvau = self.mvau()
        sf, nf = self.mw // self.simd, self.cout // self.pe
        window = nf * sf
        vectors = self.out_h * self.out_w * self.batch
        beats_per_pixel = -(-self.cin // min(self.simd, self.cin))
        sh, ph, sw, pw = self._stride_pad()
        # windows from the first one that needs the last input pixel to the end
        rows = sum(1 for oy in range(self.out_h) if oy * sh - ph + self.kh - 1 >= self.in_h - 1)
        cols = sum(1 for ox in range(self.out_w) if ox * sw - pw + self.kw - 1 >= self.in_w - 1)
        waiting = cols + max(rows - 1, 0) * self.out_w
        pool = 1 if self.pool_k > 1 else 0
        drain = 2 + waiting * window + sf + pool
        first_pixel = max(0, self.kh - 1 - ph) * self.in_w + max(0, self.kw - 1 - pw)
        first_window = 2 + (first_pixel + 1) * beats_per_pixel
        in_beats = self.batch * self.in_h * self.in_w * beats_per_pixel
        cycles = max(
            first_window + vectors * window + sf + OUTPUT_REGISTER + pool, in_beats + drain
        )
        # the window leaves the generator the cycle after its last pixel left the input FIFO
        fill = first_window - 1 + 2 * sf
        if self.pool_k > 1:
            fill += ((self.pool_k - 1) * self.out_w + self.pool_k - 1) * window + 1
        # the first window's last pixel: behind a slower producer the chain waits for it
        return {
            "cycles": cycles,
            "ii": max(self.swu_cycles, mvau.fold_cycles),
            "fill": fill,
            "drain": drain,
            "need": (first_pixel + 1) / (self.batch * self.in_h * self.in_w),
            "need_at": first_window - 3,
        }
