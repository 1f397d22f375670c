"""ff_requant against fpgaforge.numerics.requant.requantize: every rounding and overflow mode."""

from __future__ import annotations

import pytest

from tests.rtl.modules.harness import failures, run_bench

pytestmark = pytest.mark.rtlsim


def test_requant_all_modes(tmp_path):
    xml = run_bench("tb_requant", ["ff_requant"], "requant_bench", tmp_path / "build")
    assert failures(xml) == 0
