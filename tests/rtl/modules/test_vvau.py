"""ff_vvau behind ff_fifo and ff_swu (depthwise order), as the generator wires a depthwise
convolution: bit-exact against a Python model, and latency, interval, fill and drain equal to
`DepthwiseVVAU`'s cost model at several foldings (PE × SIMD), multipliers, strides and
signednesses. The library modules also pass `verilator --lint-only -Wall` and Icarus."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from fpgaforge.numerics.requant import requantize
from fpgaforge.numerics.types import Int
from fpgaforge.rtl.generator import VERILOG_DIR
from fpgaforge.sim.tools import tool_env
from fpgaforge.units.cost.hardware import view
from fpgaforge.units.cost.template import CostContext
from fpgaforge.units.depthwise.cost import DepthwiseVVAU, window_lanes
from tests.rtl.modules.harness import cycles_of, pack, run_bench, unpack, write_hex

pytestmark = pytest.mark.rtlsim

FRAMES = 3
ACC_W = 20
MULT_W, SHIFT_W = 12, 8


@dataclass(frozen=True)
class Case:
    """One depthwise layer and its folding."""

    c: int
    m: int
    h: int
    k: int
    stride: int
    pad: int
    pe: int
    simd: int
    in_signed: bool
    wt_w: int
    wt_signed: bool
    requant: bool
    relu: bool

    @property
    def out(self) -> int:
        return (self.h + 2 * self.pad - self.k) // self.stride + 1

    @property
    def ch(self) -> int:
        return self.c * self.m


CASES = [
    # VVAU-bound: (4/2)·(9/3)·36 = 216 cycles per frame against 72 input beats
    Case(4, 1, 6, 3, 1, 1, 2, 3, True, 8, True, True, True),
    # multiplier 2 on PE 4 (lanes repeat input channels), stride 2, unsigned input, no requant
    Case(2, 2, 5, 3, 2, 1, 4, 1, False, 8, True, False, False),
    # window-generator-bound: 36·3 = 108 input beats against 3·1·16 = 48 VVAU cycles
    Case(3, 1, 6, 3, 1, 0, 1, 9, True, 4, False, True, False),
]


def agree(sim: float, est: float) -> bool:
    """Within 2 % or 10 cycles."""
    return abs(sim - est) <= max(0.02 * est, 10)


def reference(case: Case, x: np.ndarray, w: np.ndarray, bias: np.ndarray, rq) -> list[int]:
    """Outputs in stream order (pixel-major, channels fastest): x is H×W×C, w is CH×K×K."""
    n, k, s, p = case.out, case.k, case.stride, case.pad
    padded = np.zeros((case.h + 2 * p, case.h + 2 * p, case.c), dtype=np.int64)
    padded[p : p + case.h, p : p + case.h] = x
    out = []
    for oy in range(n):
        for ox in range(n):
            patch = padded[oy * s : oy * s + k, ox * s : ox * s + k]
            for ch in range(case.ch):
                acc = int(bias[ch] + np.sum(patch[:, :, ch // case.m] * w[ch]))
                if case.relu:
                    acc = max(acc, 0)
                if rq is not None:
                    mults, shifts, to = rq
                    acc = int(
                        requantize(np.array([acc]), mults[ch], shifts[ch], "RND", to, "SAT")[0]
                    )
                out.append(acc)
    return out


def roms(case: Case, folder: Path, w, bias, rq) -> dict[str, str]:
    """Weight, bias and requant ROM images in ff_vvau's layout; returns the file parameters."""
    taps, sf, nf = case.k * case.k, case.k * case.k // case.simd, case.ch // case.pe
    flat = w.reshape(case.ch, taps)
    wt = [
        pack([int(flat[g * case.pe + p, f * case.simd + s])
              for s in range(case.simd) for p in range(case.pe)], case.wt_w)
        for g in range(nf) for f in range(sf)
    ]  # fmt: skip
    b = [pack([int(v) for v in bias[g * case.pe : (g + 1) * case.pe]], ACC_W) for g in range(nf)]
    mults, shifts, _ = rq if rq is not None else ([0] * case.ch, [0] * case.ch, None)
    fields = [((m & ((1 << MULT_W) - 1)) << SHIFT_W) | (s & ((1 << SHIFT_W) - 1))
              for m, s in zip(mults, shifts, strict=True)]  # fmt: skip
    q = [pack(fields[g * case.pe : (g + 1) * case.pe], MULT_W + SHIFT_W) for g in range(nf)]
    files = {
        "WEIGHT_FILE": write_hex(folder / "w.hex", wt, case.pe * case.simd * case.wt_w),
        "BIAS_FILE": write_hex(folder / "b.hex", b, case.pe * ACC_W),
        "RQ_FILE": write_hex(folder / "q.hex", q, case.pe * (MULT_W + SHIFT_W)),
    }
    return {key: f'"{value}"' for key, value in files.items()}


def run_chain(parameters: dict, beats: list[int], outputs: int, build_dir: Path) -> dict:
    """The stream bench on the fifo → swu → vvau wrapper (hdl/tb_vvau_chain.v)."""
    build_dir.mkdir(parents=True, exist_ok=True)
    job, result = build_dir / "job.json", build_dir / "result.json"
    job.write_text(json.dumps({"beats": beats, "outputs": outputs, "result": str(result)}))
    os.environ["FF_STREAM_JOB"] = str(job)
    modules = ["ff_requant", "ff_fifo", "ff_swu", "ff_vvau"]
    run_bench("tb_vvau_chain", modules, "stream_bench", build_dir, parameters)
    return json.loads(result.read_text())


def template(case: Case) -> DepthwiseVVAU:
    n = case.out
    return DepthwiseVVAU(channels=case.c, multiplier=case.m, in_h=case.h, in_w=case.h,
                         kh=case.k, kw=case.k, out_h=n, out_w=n, batch=1,
                         weight_bits=case.wt_w, act_bits=8, acc_bits=ACC_W, out_bits=8,
                         stride=(case.stride, case.stride), pads=(case.pad, case.pad),
                         pe=case.pe, simd=case.simd)  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"c{c.c}m{c.m}pe{c.pe}simd{c.simd}")
def test_vvau_chain(tmp_path: Path, case: Case) -> None:
    rng = np.random.default_rng(case.c * 10 + case.pe)
    lo, hi = (-128, 128) if case.in_signed else (0, 256)
    xs = rng.integers(lo, hi, (FRAMES, case.h, case.h, case.c))
    wlo, whi = (
        (-(1 << (case.wt_w - 1)), 1 << (case.wt_w - 1)) if case.wt_signed else (0, 1 << case.wt_w)
    )
    w = rng.integers(wlo, whi, (case.ch, case.k, case.k))
    bias = rng.integers(-500, 500, case.ch)
    rq = None
    if case.requant:
        rq = ([int(v) for v in rng.integers(1, 1 << (MULT_W - 1), case.ch)],
              [int(v) for v in rng.integers(10, 16, case.ch)], Int(8, True))  # fmt: skip
    in_n = window_lanes(case.c, case.pe)
    n = case.out
    out_w = 8 if case.requant else ACC_W
    params = dict(
        C=case.c, M=case.m, H=case.h, W=case.h, KH=case.k, KW=case.k, SH=case.stride,
        SW=case.stride, PT=case.pad, PL=case.pad, OH=n, OW=n, IN_N=in_n, PE=case.pe,
        SIMD=case.simd, DEPTH=max(2, min(case.h * case.h * case.c // in_n, 256)), IN_W=8,
        IN_SIGNED=int(case.in_signed), WT_W=case.wt_w, WT_SIGNED=int(case.wt_signed),
        ACC_W=ACC_W, RELU=int(case.relu), RQ_EN=int(case.requant), MULT_W=MULT_W,
        SHIFT_W=SHIFT_W, OUT_W=out_w, OUT_SIGNED=1, ROUNDING=1, OVERFLOW=1,
        **roms(case, tmp_path, w, bias, rq),
    )  # fmt: skip
    beats = [pack([int(v) for v in px[g * in_n : (g + 1) * in_n]], 8)
             for frame in xs for row in frame for px in row for g in range(case.c // in_n)]  # fmt: skip
    per_frame = n * n * case.ch // case.pe
    run = run_chain(params, beats, per_frame * FRAMES, tmp_path / "b")
    got = [v for word in run["out_data"] for v in unpack(word, case.pe, out_w, True)]
    want = [v for frame in xs for v in reference(case, frame, w, bias, rq)]
    assert got == want

    est = template(case).estimate(CostContext.of(view("ulx3s-85f")))
    in_per_frame = len(beats) // FRAMES
    latency, interval = cycles_of(run, in_per_frame, per_frame)
    assert agree(latency, est.cycles) and agree(interval, est.ii), (latency, interval, est)
    print(f"vvau {case}: latency {latency}/{est.cycles} interval {interval}/{est.ii}")
    assert run["out_at"][0] - run["in_at"][0] == est.fill
    # last input -> last output: the model's drain where the input paces the chain, the
    # rest of the chain's own pace where the VVAU does
    drain = run["out_at"][per_frame - 1] - run["in_at"][in_per_frame - 1]
    assert drain == max(est.drain, est.cycles - in_per_frame), (drain, est)


PARAMETERIZATIONS = [
    {},
    {"PE": 2, "SIMD": 3, "CH": 4, "K": 9, "RELU": 1},
    {"PE": 4, "SIMD": 1, "CH": 8, "K": 9, "RQ_EN": 0, "OUT_W": 24},
    {"PE": 1, "SIMD": 9, "CH": 1, "K": 9, "IN_SIGNED": 0, "WT_SIGNED": 0},
]


@pytest.mark.parametrize("params", PARAMETERIZATIONS, ids=lambda p: "-".join(map(str, p.values())))
def test_vvau_lint_and_icarus(params: dict) -> None:
    """verilator -Wall (with ff_lint.vlt) and iverilog -g2005 accept ff_vvau and the
    depthwise ff_swu for these parameters."""
    tool_env("verilator")
    lint = ["verilator", "--lint-only", "-Wall", "ff_lint.vlt"]
    checks = [
        [*lint, "ff_requant.v", "ff_vvau.v", "--top-module", "ff_vvau",
         *(f"-G{k}={v}" for k, v in params.items())],
        [*lint, "ff_swu.v", "--top-module", "ff_swu", "-GC=2", "-GDW_PE=4", "-GDW_M=2",
         f"-GSIMD={4 * params.get('SIMD', 1)}"],
    ]  # fmt: skip
    if shutil.which("iverilog") is not None:
        checks.append(
            ["iverilog", "-g2005", "-o", os.devnull, "-s", "ff_vvau", "ff_requant.v", "ff_vvau.v",
             *(f"-Pff_vvau.{k}={v}" for k, v in params.items())]
        )  # fmt: skip
    for cmd in checks:
        proc = subprocess.run(cmd, cwd=VERILOG_DIR, capture_output=True, text=True)
        assert proc.returncode == 0, (cmd, proc.stderr[-2000:])
