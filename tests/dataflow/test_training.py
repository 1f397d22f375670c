"""`estimate --train`: one training step, N:M and dense, on the board's tiled array."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fpgaforge.cli import main

MODELS = Path(__file__).resolve().parents[2] / "examples" / "models"


def _train(capsys, *extra: str) -> tuple[int, str]:
    code = main(
        ["estimate", str(MODELS / "digits_mlp.onnx"), "--board", "vcu1525", "--train", *extra]
    )
    return code, capsys.readouterr()


@pytest.mark.parametrize("pattern", ["2:4", "2:8"])
def test_step_sparse_against_dense(capsys, pattern):
    code, out = _train(capsys, "--batch", "16", "--sparsity", pattern, "--json")
    assert code == 0
    r = json.loads(out.out)
    n, m = map(int, pattern.split(":"))
    assert r["pattern"] == pattern and r["batch"] == 16
    # the speedup bound when the weight gradient stays dense: dense work / (2N/M + 1)/3
    assert r["bound"] == pytest.approx(3 / (2 * n / m + 1))
    sparse, dense = r["sparse"], r["dense"]
    assert r["speedup"] == pytest.approx(dense["cycles"] / sparse["cycles"])
    assert sparse["macs"] < dense["macs"]
    assert "mask generation" in sparse["phases"] and "mask generation" not in dense["phases"]
    # the weight gradient stays dense: the same cycles in both
    assert sparse["phases"]["weight gradient"] == dense["phases"]["weight gradient"]
    assert sparse["phases"]["forward"] < dense["phases"]["forward"]
    for s in (sparse, dense):
        assert s["samples_per_s"] == pytest.approx(16 / s["step_s"])


def test_bad_pattern_is_one_sentence(capsys):
    code, out = _train(capsys, "--sparsity", "9:8")
    assert code == 2
    assert "Traceback" not in out.err and len(out.err.strip().splitlines()) <= 3
