"""ff_axil_regs on its own (cocotb on Icarus) and its place in a generated top."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from fpgaforge.rtl.generator import AXIL_ID, VERILOG_DIR

pytestmark = pytest.mark.rtlsim
BENCHES = Path(__file__).parent / "benches"


def test_axil_regs_cocotb(tmp_path):
    if shutil.which("iverilog") is None:
        pytest.skip("iverilog is not installed")
    from cocotb_tools.runner import get_results, get_runner

    params = {"IN_BEATS": 2, "VERSION_VALUE": 0x102, "ID_VALUE": AXIL_ID}
    runner = get_runner("icarus")
    runner.build(
        sources=[VERILOG_DIR / "ff_axil_regs.v"],
        hdl_toplevel="ff_axil_regs",
        build_dir=tmp_path,
        parameters=params,
        timescale=("1ns", "1ps"),
        log_file=tmp_path / "build.log",
    )
    if str(BENCHES) not in sys.path:
        sys.path.insert(0, str(BENCHES))
    xml = runner.test(
        test_module="axil_bench",
        hdl_toplevel="ff_axil_regs",
        build_dir=tmp_path,
        test_dir=BENCHES,
        parameters=params,
        results_xml=str(tmp_path / "results.xml"),
        log_file=tmp_path / "test.log",
    )
    total, failed = get_results(xml)
    assert total == 1 and failed == 0, (tmp_path / "test.log").read_text()[-3000:]
