"""The HLS project of the Mamba-2 decode step: `build --quant lightmamba --backend hls`, then
C-simulation of consecutive tokens with the states carried, every code against the integer
emulation; and the one-sentence answers to what it cannot build."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

import fpgaforge
from fpgaforge.errors import FpgaforgeError
from fpgaforge.flow import build
from fpgaforge.hls import run_csim
from fpgaforge.hls.errors import HlsUnsupportedError
from fpgaforge.hls.mamba import design_decode
from fpgaforge.quant.lightmamba.decode import decode_split, decode_trace

MODEL = Path(__file__).resolve().parents[2] / "examples" / "models" / "mamba2_chars.onnx"
TOKENS = 8


@pytest.fixture(scope="module")
def graph():
    return fpgaforge.load(MODEL)


@pytest.fixture(scope="module")
def qgraph(graph):
    return fpgaforge.quantize(graph, "lightmamba")


@pytest.mark.csim
def test_decode_step_csim_carries_states_bit_exact(graph, tmp_path):
    out = tmp_path / "out"
    result = build(graph, "u280", "lightmamba", out, vectors=TOKENS)
    assert result.schedule.mode == "decode"
    est = json.loads((out / "estimate.json").read_text())
    assert est["cycles_per_token"] == pytest.approx(sum(est["phase_cycles_per_token"].values()))
    assert est["cycles_per_token"] > 0 and est["macs_per_token"] > 0
    hls = out / "hls"
    assert (hls / "tb_data" / "tokens.txt").read_text().count("\n") == TOKENS
    readme = (hls / "README.md").read_text()
    assert "host" in readme and "embedding lookup" in readme
    csim = run_csim(out)
    per_token = 64 + 2 * (160 * 3 + 8 * 16 * 16)  # final residual and every new state
    assert (csim.vectors, csim.codes, csim.mismatches) == (TOKENS, TOKENS * per_token, 0)
    # a wrong expected state code is found: the comparison counts state codes too
    path = next((hls / "tb_data").glob("ssm_state_1_out*_expected.txt"))
    rows = path.read_text().splitlines()
    last = rows[-1].split()
    last[5] = str(int(last[5]) + 1)
    path.write_text("\n".join([*rows[:-1], " ".join(last)]) + "\n")
    exe = next((hls / "build").glob("*_tb"))  # rerun the compiled testbench
    run = subprocess.run(
        [str(exe.resolve()), "-1", "tb_data", "build"], cwd=hls, capture_output=True, text=True
    )
    assert run.returncode == 1
    assert "mismatches 1\nmax_diff 1" in run.stdout


def test_states_move_in_the_trace(qgraph):
    trace = decode_trace(qgraph, [5, 17, 17])
    ssm = trace.states["ssm_state_0_out"]
    assert ssm.shape == (3, 8 * 16 * 16) and np.any(ssm[1] != ssm[2])


def test_op_without_decode_kernel_names_the_node(qgraph):
    work = qgraph.copy()
    split = decode_split(work)
    target = next(n for n in split.nodes if n.op == "IntTable")
    target.op = "Activation"  # an op the decode step has no kernel for
    with pytest.raises(
        HlsUnsupportedError, match=rf"Node '{target.name}' \(Activation\) has no decode-step kernel"
    ):
        design_decode(work)


def test_graph_without_the_boundary_is_one_sentence(qgraph):
    work = qgraph.copy()
    for node in work.nodes:
        if node.op == "FixedDequant":
            node.op = "Identity"
    with pytest.raises(FpgaforgeError, match=r"needs one FixedDequant node"):
        design_decode(work)


def test_emitted_widths_lanes_and_interfaces(graph, tmp_path):
    """The generated source (no compile): every array is the ap_int of its bound, the lanes
    and the memories follow estimate.json, the ports sit in separate m_axi bundles, and the
    Alveo host files are written; the bounds hold on the emulation's codes of a few tokens."""
    out = tmp_path / "out"
    build(graph, "u280", "lightmamba", out, vectors=4)
    est = json.loads((out / "estimate.json").read_text())
    units = est["units"]
    hls = out / "hls"
    top = next((hls / "firmware").glob("*.cpp")).read_text()
    assert "code_t" not in top.split("namespace {")[1]  # no 64-bit code arrays in the top
    found = re.findall(r"^    (?:static )?ap_int<(\d+)> (\w+)\[\d+\];", top, re.M)
    arrays = {name: int(bits) for bits, name in found}
    assert arrays and all(2 <= b <= 64 for b in arrays.values())
    assert arrays["ssm_state_0_buf"] == arrays["ssm_state_0_out_buf"]  # carried into each other
    assert "    static ap_int<" in top and "ff::mamba::carry<2048, " in top  # states stay on chip
    # the codes the emulation computes fit the declared widths, every state too
    expected = {
        p.stem.removesuffix("_expected"): np.loadtxt(p, dtype=np.int64, ndmin=2)
        for p in (hls / "tb_data").glob("*_expected.txt")
    }
    for port, codes in expected.items():
        bits = arrays[f"{port}_buf"]
        assert -(1 << (bits - 1)) <= codes.min() and codes.max() < 1 << (bits - 1), port
    # GEMV: ROWS x SIMD = the estimate's lanes, the weights reshaped to that many codes a word
    rows = int(re.search(r"cfg_in_proj_MatMul_linear \{.*?ROWS = (\d+);", top, re.S)[1])
    simd = int(re.search(r"cfg_in_proj_MatMul_linear \{.*?SIMD = (\d+);", top, re.S)[1])
    assert rows * simd == units["gemv_lanes"] and simd <= units["gemv_simd"]
    assert f"ARRAY_RESHAPE variable = in_proj_MatMul_q cyclic factor = {rows * 64}" in top
    ssm = int(re.search(r"cfg_ssm_ssm_step \{.*?LANES = (\d+);", top, re.S)[1])
    assert ssm == units["ssm_lanes"]
    assert re.search(rf"ARRAY_RESHAPE variable = ssm_state_0_buf cyclic factor = {ssm}\b", top)
    assert "BIND_STORAGE variable = ssm_state_0_buf type = ram_2p impl = uram" in top
    assert "BIND_STORAGE variable = ssm_exp type = rom_2p impl = bram" in top
    # the kernels pipeline the lanes they are given
    gemv = (hls / "kernels" / "pot_gemv.h").read_text()
    assert gemv.count("#pragma HLS PIPELINE II = 1") >= 2 and "#pragma HLS UNROLL" in gemv
    assert "#pragma HLS UNROLL factor = CH_LANES" in (hls / "kernels" / "ssm_step.h").read_text()
    # interfaces: activations and states in their own bundles, one control port
    bundles = dict(re.findall(r"m_axi port = (\w+) offset = slave bundle = (\w+)", top))
    assert bundles["x_codes"] == bundles["y_codes"] == "gmem_act"
    assert {bundles[k] for k in bundles if "state" in k} == {"gmem_state"}
    assert "s_axilite port = return bundle = control" in top
    assert "s_axilite port = load_states bundle = control" in top
    host = next((hls / "host").glob("*_host.py")).read_text()
    compile(host, "host.py", "exec")
    assert "load_states = 1 if t == 0 else 0" in host
    assert "sp=" in (hls / "vitis" / "connectivity.cfg").read_text()
    # the README sets the loops' cycles beside the estimate's phases
    readme = (hls / "README.md").read_text()
    ssm_row = re.search(r"^\| ssm \| ([\d,]+) \| ([\d,]+) \|$", readme, re.M)
    assert ssm_row and int(ssm_row[2].replace(",", "")) == round(
        est["phase_cycles_per_token"]["ssm"]
    )
