"""The RTL top of the Mamba-2 decode step (`build --backend both` on the bundled model, then
`rtlsim`): consecutive tokens with the states carried on chip, every final residual code and
every state code against the integer emulation, the cycles per token against the estimate
written to estimate.json; and the one-sentence answer for a linear the GEMV engine cannot
take."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import fpgaforge
from fpgaforge.errors import FpgaforgeError
from fpgaforge.flow import build
from fpgaforge.sim.rtlsim import run_rtlsim

MODEL = Path(__file__).resolve().parents[2] / "examples" / "models" / "mamba2_chars.onnx"
TOKENS = 3


@pytest.fixture(scope="module")
def graph():
    return fpgaforge.load(MODEL)


@pytest.mark.rtlsim
@pytest.mark.slow
def test_decode_top_carries_states_bit_exact(graph, tmp_path):
    out = tmp_path / "out"
    build(graph, "u280", "lightmamba", out, vectors=TOKENS, backend="both")
    est = json.loads((out / "estimate.json").read_text())["rtl"]
    assert (out / "hls").is_dir() and (out / "rtl" / "mamba_top.v").is_file()
    # one wrong expected SSM state code in the last token: exactly that code differs, so
    # every other residual and state code of every token matched (one simulation)
    path = out / "rtl" / "tb" / "vectors.json"
    spec = json.loads(path.read_text())
    spec["tokens"][-1]["states"]["ssm_state_1_out"][7] += 1
    path.write_text(json.dumps(spec))
    result = run_rtlsim(out)
    assert (result.vectors, result.received, result.mismatches) == (TOKENS, TOKENS, 1)
    assert result.detail[0].startswith(f"token {TOKENS - 1} ssm_state_1_out: 1 codes differ")
    assert "first at 7" in result.detail[0]
    assert result.latency_cycles == est["cycles_per_token"]
    assert result.est_latency_cycles == est["cycles_per_token"]


def test_linear_the_engine_cannot_take_is_one_sentence(graph, tmp_path):
    with pytest.raises(FpgaforgeError, match="W4A4 products") as info:
        build(graph, "u280", "w8a8", tmp_path / "out", vectors=1, backend="rtl")
    assert "\n" not in str(info.value) and "in_proj" in str(info.value)
