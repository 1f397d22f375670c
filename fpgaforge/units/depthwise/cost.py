"""Streaming depthwise convolution: sliding window + vector-vector unit (FINN VVAU).

Geometry: `channels` (each with `multiplier` filters), kernel `kh × kw`,
input `in_h × in_w`, output `out_h × out_w`; `stride` (rows, columns) and leading `pads`
(top, left) when known, otherwise implied by the geometry with symmetric padding (which
cannot tell e.g. a 5 → 3 stride-2 padded layer from an unpadded stride-1 one). Folding:
`pe` output channels and `simd` kernel taps per cycle (pe | channels·multiplier,
simd | kh·kw).

Cost model
- cycles = (channels·multiplier/pe) · (kh·kw/simd) · out_h·out_w·batch     (FINN VVAU)
- window generator: reads the input once at `in_lanes` channels per beat (the largest
  divisor of channels not above pe): in_h·in_w·channels/in_lanes cycles; line buffer
  ((kh−1)·in_w + kw)·channels activations; interval = max of the two
- pe · simd multipliers (no operand sharing across PEs: each channel has its own input,
  so DSP packing along PE does not apply: `mac_array` is called with pe = 1 per lane)
- weights: channels·multiplier·kh·kw·weight_bits bits, width pe·simd·weight_bits
- timing of the RTL chain `ff_fifo` → `ff_swu` (depthwise order) → `ff_vvau`: the window
  generator emits each window as NF·SF beats (NF = channels·multiplier/pe channel groups,
  SF = kh·kw/simd tap groups; every input channel repeated for its filters) and the VVAU
  takes one beat per cycle with no input buffer, so a window occupies w = NF·SF cycles
  and a group's result is registered one cycle after its last beat. The first window's
  first beat leaves the generator 1 + (p + 1)·b cycles after the first input (the FIFO
  and the line-buffer write take one cycle each; p = its last pixel's index, b = input
  beats per pixel): first_window = 2 + (p + 1)·b. Self-paced latency = the later of
  first_window + vectors·w and (input beats + drain); fill = first_window − 1 + SF;
  drain (last input → last output) = 2 + R·w, R = windows from the first one that needs
  the last input pixel to the end (as in `ConvSWU`, but with no double-buffer load of
  SF beats before the MACs start)
- behind a slower producer the chain waits for its first window's last pixel: `need` is
  the input's share up to that pixel and `need_at` the cycle it is taken at full input rate
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fpgaforge.units.cost.estimates import Estimates
from fpgaforge.units.cost.template import (
    CostContext,
    Epilogue,
    Template,
    control,
    fold_pairs,
    mac_datapath,
    memory_estimate,
    with_registers,
)


def window_lanes(channels: int, pe: int) -> int:
    """Input channels the window generator reads per beat: the largest divisor of
    `channels` that is at most `pe`."""
    return max(d for d in range(1, max(1, min(pe, channels)) + 1) if channels % d == 0)


def stride_pad(in_size: int, out_size: int, k: int) -> tuple[int, int]:
    """(stride, leading pad) of one axis implied by its geometry (symmetric padding)."""
    stride = max(1, in_size // out_size) if out_size < in_size else 1
    pad = max(0, ((out_size - 1) * stride + k - in_size + 1) // 2)
    return stride, pad


@dataclass(frozen=True)
class DepthwiseVVAU(Template):
    """Streaming depthwise convolution."""

    kind = "depthwise"
    FOLDING = ("pe", "simd", "weight_mem")

    channels: int
    multiplier: int
    in_h: int
    in_w: int
    kh: int
    kw: int
    out_h: int
    out_w: int
    batch: int
    weight_bits: int
    act_bits: int
    acc_bits: int
    out_bits: int
    shift_add: bool = False
    k_hot: int = 2
    stride: tuple[int, int] | None = None
    pads: tuple[int, int] | None = None
    epilogue: Epilogue = field(default_factory=Epilogue)
    pe: int = 1
    simd: int = 1
    weight_mem: str = "auto"

    @property
    def outputs(self) -> int:
        return self.channels * self.multiplier

    @property
    def macs(self) -> int:
        return self.outputs * self.kh * self.kw * self.out_h * self.out_w * self.batch

    @property
    def fold_cycles(self) -> int:
        return (
            (self.outputs // self.pe)
            * (self.kh * self.kw // self.simd)
            * self.out_h
            * self.out_w
            * self.batch
        )

    @property
    def in_lanes(self) -> int:
        """Input channels per beat into the window generator (`window_lanes`)."""
        return window_lanes(self.channels, self.pe)

    @property
    def swu_cycles(self) -> int:
        """Cycles the window generator needs to read the input: in_h·in_w·channels/in_lanes."""
        return self.batch * self.in_h * self.in_w * (self.channels // self.in_lanes)

    def options(self) -> list[dict]:
        return [
            dict(o, weight_mem=self.weight_mem) for o in fold_pairs(self.outputs, self.kh * self.kw)
        ]

    def stream_lanes(self) -> tuple[int, int] | None:
        return window_lanes(self.channels, self.pe), self.pe

    def burst_beats(self) -> int:
        if self.epilogue.activation in ("lut", "clip") or self.kh * self.kw != self.simd:
            return 0
        return self.channels * self.multiplier // self.pe

    def memories(self) -> list[tuple[str, int, int]]:
        width = self.pe * self.simd * self.weight_bits
        depth = (self.outputs // self.pe) * (self.kh * self.kw // self.simd)
        return [("weight_mem", width, depth)]

    def estimate(self, ctx: CostContext) -> Estimates:
        mac = mac_datapath(
            ctx,
            self.pe,
            self.simd,
            self.weight_bits,
            self.act_bits,
            self.acc_bits,
            mult_rows=1,
            shift_add=self.shift_add,
            k_hot=self.k_hot,
        )
        _, width, depth = self.memories()[0]
        weights = memory_estimate(ctx, width, depth, self.weight_mem)
        lanes = self.in_lanes
        line_depth = -(-((self.kh - 1) * self.in_w + self.kw) * self.channels // lanes)
        line = memory_estimate(ctx, lanes * self.act_bits, line_depth, "auto")
        out_count = self.outputs * self.out_h * self.out_w * self.batch
        weight_reads = (
            self.outputs
            * self.kh
            * self.kw
            * self.weight_bits
            / 8
            * self.out_h
            * self.out_w
            * self.batch
        )
        est = (
            Estimates(
                dsp=mac.mult_dsp * self.pe,
                lut=mac.mult_lut * self.pe + mac.tree_lut,
                macs=self.macs,
                onchip_bytes=weight_reads,
                energy_j=self.macs * mac.mac_j + weight_reads * ctx.energy.onchip_byte_j("bram"),
            )
            + weights
            + line
            + control(ctx)
            + self.epilogue.estimate(ctx, self.pe, self.acc_bits, self.out_bits, out_count)
        )
        return with_registers(est).with_(**self.timing())

    def stride_pad(self) -> tuple[int, int, int, int]:
        """(stride_h, pad_top, stride_w, pad_left): the given ones, else `stride_pad`'s."""
        sh, ph = stride_pad(self.in_h, self.out_h, self.kh)
        sw, pw = stride_pad(self.in_w, self.out_w, self.kw)
        if self.stride is not None:
            sh, sw = self.stride
        if self.pads is not None:
            ph, pw = self.pads
        return sh, ph, sw, pw

    def timing(self) -> dict[str, float]:
        """Cycles, interval, fill, drain and need of the depthwise chain (module docstring)."""
        sf = self.kh * self.kw // self.simd
        window = (self.outputs // self.pe) * sf
        vectors = self.out_h * self.out_w * self.batch
        beats_per_pixel = self.channels // self.in_lanes
        sh, ph, sw, pw = self.stride_pad()
        # windows from the first one that needs the last input pixel to the end
        rows = sum(1 for oy in range(self.out_h) if oy * sh - ph + self.kh - 1 >= self.in_h - 1)
        cols = sum(1 for ox in range(self.out_w) if ox * sw - pw + self.kw - 1 >= self.in_w - 1)
        waiting = cols + max(rows - 1, 0) * self.out_w
        drain = 2 + waiting * window
        first_pixel = max(0, self.kh - 1 - ph) * self.in_w + max(0, self.kw - 1 - pw)
        first_window = 2 + (first_pixel + 1) * beats_per_pixel
        in_beats = self.batch * self.in_h * self.in_w * beats_per_pixel
        return {
            "cycles": max(first_window + vectors * window, in_beats + drain),
            "ii": max(self.fold_cycles, self.swu_cycles),
            "fill": first_window - 1 + sf,
            "drain": drain,
            "need": (first_pixel + 1) / (self.batch * self.in_h * self.in_w),
            "need_at": first_window - 3,
        }
