"""The decode-step estimate of an imported Mamba-2 step, sized for its own shapes: the
command and the build write the same cycles per token, and they add up per phase."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fpgaforge.dataflow.mamba_step import estimate_decode_step
from fpgaforge.models.config import Mamba2Config

MODEL = Path(__file__).resolve().parents[2] / "examples" / "models" / "mamba2_chars.onnx"
TINY = Mamba2Config(d_model=64, n_layer=2, vocab_size=104, d_state=16, headdim=16)


def test_cycles_add_up_and_a_deeper_model_takes_longer():
    one = estimate_decode_step("tiny", TINY, "u280")
    assert one.cycles_per_token == pytest.approx(sum(one.phase_cycles_per_token.values()))
    assert one.tokens_per_s == pytest.approx(one.clock_mhz * 1e6 / one.cycles_per_token)
    deeper = Mamba2Config(d_model=64, n_layer=4, vocab_size=104, d_state=16, headdim=16)
    assert estimate_decode_step("deeper", deeper, "u280").cycles_per_token > one.cycles_per_token


def test_cli_on_the_bundled_step(capsys):
    from fpgaforge.cli import main

    argv = ["estimate", str(MODEL), "--board", "u280", "--quant", "lightmamba", "--json"]
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["mode"] == "decode" and out["model"] == "mamba2_chars"
    expected = estimate_decode_step("mamba2_chars", TINY, "u280").cycles_per_token
    assert out["cycles_per_token"] == pytest.approx(expected)
    assert out["macs_per_token"] > 0
