"""Streaming AXI4-Stream ports (TLAST/TKEEP) and FIFO depths taken from the schedule."""

from __future__ import annotations

import re

import pytest

from fpgaforge.hls import run_csim
from tests.hls.test_projects import _build


@pytest.mark.csim
def test_streaming_ports_are_axis_with_tlast(tmp_path):
    _build("mlp", "int8", tmp_path / "prj", vectors=8)
    hls = tmp_path / "prj" / "hls"
    top = (hls / "firmware" / "digits_mlp.cpp").read_text()
    header = (hls / "firmware" / "digits_mlp.h").read_text()
    assert "typedef ff::axis_word digits_mlp_axis_t;" in header
    assert "#pragma HLS INTERFACE axis port = x" in top
    assert "ff::axis_in<" in top and "ff::axis_out<" in top
    assert (hls / "kernels" / "ff_axis.h").is_file()
    driver = (hls / "driver" / "digits_mlp_driver.py").read_text()
    assert "recvchannel.transfer(out[b *" in driver
    assert "M_AXIS_MM2S" in (hls / "vivado" / "block_design.tcl").read_text()
    csim = run_csim(tmp_path / "prj")
    assert csim.mismatches == 0 and "tlast_errors 0" in csim.output, csim.output
    # a TLAST on the wrong word is caught by the testbench
    axis = hls / "kernels" / "ff_axis.h"
    axis.chmod(0o644)
    axis.write_text(axis.read_text().replace("w.last = i == N - 1;", "w.last = i == N - 2;"))
    bad = run_csim(tmp_path / "prj")
    assert bad.mismatches == 2 * bad.vectors and "tlast_errors 16" in bad.output, bad.output


def test_tiled_mode_keeps_m_axi(tmp_path):
    _build("cnn", "int8", tmp_path / "prj", board="zcu104", mode="tiled", vectors=2)
    hls = tmp_path / "prj" / "hls"
    top = next((hls / "firmware").glob("*.cpp")).read_text()
    assert "m_axi" in top and "axis" not in top
    assert not (hls / "kernels" / "ff_axis.h").exists()


def test_residual_fork_depths_from_lookahead(tmp_path):
    _build("rescnn", "int8", tmp_path / "prj", vectors=2)
    top = (tmp_path / "prj" / "hls" / "firmware" / "digits_rescnn.cpp").read_text()
    depths = {k: int(v) for k, v in re.findall(r"STREAM variable = (\w+) depth = (\d+)", top)}
    # block1: long branch conv3x3 -> relu -> requant -> conv3x3 -> requant -> requant (8x8x8),
    # lookahead 2 * ((3 - 1) * 8 + 3) * 8 = 304; the identity branch needs 305 (+1 slack).
    short = depths["stem_stem_2_Relu_output_0_r1"]
    assert short == 306
    assert depths["stem_stem_2_Relu_output_0_r0"] == 2
    # block2's shortcut changes the channel count: no bound proven, full frame kept
    assert depths["block1_Relu_1_output_0_r0"] == depths["block1_Relu_1_output_0_r1"] == 512
