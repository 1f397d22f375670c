"""The Mamba-2 decode schedule and its command."""

import json

import pytest

from fpgaforge.dataflow import mamba_decode as md
from fpgaforge.errors import UsageError
from fpgaforge.models.config import CONFIGS


def test_small_model_state_on_chip_and_bandwidth_bound():
    d = md.search(CONFIGS["mamba2-130m"], "u280")
    assert d.layers_on_chip == 24
    assert d.offchip_bytes == pytest.approx(d.weight_bytes)
    roof = md.view("u280").bandwidth / d.weight_bytes
    assert d.tokens_per_s <= roof


def test_batch_shares_the_weight_stream():
    cfg = CONFIGS["mamba2-130m"]
    one = md.size(cfg, "u280", lanes=1024, ssm_lanes=256)
    four = md.size(cfg, "u280", batch=4, lanes=1024, ssm_lanes=256)
    assert four.weight_bytes == one.weight_bytes
    assert one.tokens_per_s < four.tokens_per_s < 4 * one.tokens_per_s


def test_paper_unit_sizes_give_the_stream_bound_order():
    d = md.paper_engine_check(CONFIGS["mamba2-2.7b"])
    assert 0.5 < d.tokens_per_s / md.PAPER["vck190"]["tokens_per_s"] < 2.0
    assert d.layers_on_chip < 64


def test_board_without_external_memory_is_one_sentence():
    with pytest.raises(UsageError, match="no external memory"):
        md.size(CONFIGS["mamba2-130m"], "icebreaker")


def test_cli_json(capsys):
    from fpgaforge.cli import main

    rc = main(["estimate", "mamba2-130m", "--board", "u280", "--quant", "lightmamba", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0
    assert out["state"]["placement"] == "on chip"
    assert out["tokens_per_s"] > 0 and out["energy_per_token_j"] > 0
    assert out["paper"]["tokens_per_s"] == 93.0
