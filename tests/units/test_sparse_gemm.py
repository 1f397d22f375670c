"""The N:M sparse MAC array (fpgaforge/units/sparse_gemm/): chosen for N:M Dense layers, the
digits MLP at 2:8 through build (HLS and RTL), csim and rtlsim bit-exact, and the refusal of a
stream order that splits the groups."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from fpgaforge.errors import FpgaforgeError
from fpgaforge.flow import build
from fpgaforge.hls import run_csim
from fpgaforge.sim.rtlsim import run_rtlsim
from fpgaforge.units.sparse_gemm.rtl import stream_matrix

MODELS = Path(__file__).resolve().parents[2] / "examples" / "models"


@pytest.mark.rtlsim
@pytest.mark.csim
def test_digits_mlp_2_8_build_csim_rtlsim(tmp_path):
    data = np.load(MODELS / "digits_mlp_test.npz")["x"]
    out = tmp_path / "mlp"
    result = build(
        MODELS / "digits_mlp.onnx", "ultra96v2", "int8", out, backend="both",
        calibration={"x": data}, vectors=20, sparsity="2:8",
    )  # fmt: skip
    kinds = [s.kind for s in result.schedule.stages if s.kind in ("mvau", "sparse_gemm")]
    assert kinds == ["sparse_gemm"] * 3
    assert any("ff_sparse_mvau #" in p.read_text() for p in (out / "rtl").glob("*_top.v"))
    csim = run_csim(out)
    assert csim.mismatches == 0 and csim.vectors == 20
    rtl = run_rtlsim(out)
    assert rtl.passed and rtl.mismatches == 0 and rtl.vectors == 20, rtl.detail
    assert rtl.interval_cycles == rtl.est_interval_cycles


class _Planner:
    def fail(self, stage, why):
        return FpgaforgeError(f"Stage {stage!r} cannot be built as RTL: {why}.")


def test_stream_order_must_keep_groups():
    w = np.zeros((2, 16), np.int64)
    inside = np.r_[np.arange(8)[::-1], np.arange(8, 16)]  # a permutation inside each group
    assert (stream_matrix(_Planner(), "fc", w, inside, 8) == w[:, inside]).all()
    split = np.arange(16).reshape(2, 8).T.ravel()  # interleaves the two groups
    with pytest.raises(FpgaforgeError, match="splits the N:M groups"):
        stream_matrix(_Planner(), "fc", w, split, 8)
