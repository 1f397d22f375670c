"""The design estimate of a generated top: the MAC units' ROM contents as project.json lists
them, and what they change in the estimate."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import fpgaforge
from fpgaforge.dataflow import schedule
from fpgaforge.rtl import write_project
from fpgaforge.rtl.design_estimate import (
    contents_ff,
    contents_lut,
    design_estimate,
    terms_params,
    top_units,
)
from fpgaforge.sim.vectors import make_vectors
from fpgaforge.units.cost import resource_model as rm
from fpgaforge.units.rom import epilogue_contents

MODELS = Path(__file__).resolve().parents[2] / "examples" / "models"


@pytest.fixture(scope="module")
def mlp_project(tmp_path_factory) -> Path:
    data = np.load(MODELS / "digits_mlp_test.npz")["x"]
    q = fpgaforge.quantize(fpgaforge.load(MODELS / "digits_mlp.onnx"), "int8", {"x": data})
    out = tmp_path_factory.mktemp("mlp") / "rtl"
    write_project(q, schedule(q, "ultra96v2"), "ultra96v2", make_vectors(q, {"x": data}, 4), out)
    return out


def words(path: Path) -> list[str]:
    return [w.strip() for w in path.read_text().splitlines() if w.strip() and w[0] != "/"]


def test_project_lists_the_tables_contents(mlp_project: Path) -> None:
    """Every ff_mvau of the top lists the summary of its bias / requant images, the one
    `rom.epilogue_contents` reads from the files the top loads."""
    macs = [u for u in top_units(mlp_project) if u["module"] == "ff_mvau"]
    assert len(macs) == 3
    for u in macs:
        p = u["params"]
        got = epilogue_contents(
            words(mlp_project / p["BIAS_FILE"]), p["ACC_W"], words(mlp_project / p["RQ_FILE"]),
            p["MULT_W"] + p["SHIFT_W"], p["SHIFT_W"], p["PE"], bool(p["RQ_EN"]),
        )  # fmt: skip
        assert {k: u["contents"][k] for k in got} == got
        assert 0 <= got["BIAS_LIVE"] <= p["PE"] * p["ACC_W"]
        assert terms_params(u) == {**p, **u["contents"]}


def test_estimate_adds_what_the_contents_change(mlp_project: Path) -> None:
    """The design estimate is the stages' LUTs plus each unit's contents correction: its terms
    with the contents less its terms without them (fewer table bits, folded lanes)."""
    units = top_units(mlp_project)
    stages = [{"name": u["stage"], "resources": {"lut": 100.0, "ff": 10.0}} for u in units]
    with_contents = design_estimate(stages, units)
    plain = design_estimate(stages, [{**u, "contents": {}} for u in units])
    delta = sum(contents_lut(u) for u in units)
    assert delta < 0  # the digits MLP's tables have constant and repeated bits
    assert with_contents["contents_lut"] == pytest.approx(delta, abs=0.1)
    assert with_contents["total"]["lut"] == pytest.approx(plain["total"]["lut"] + delta, abs=0.2)
    for u in units:
        seen, seen_ff = rm.rtl_unit(u["module"], terms_params(u))
        bare, bare_ff = rm.rtl_unit(u["module"], u["params"])
        assert contents_lut(u) == pytest.approx(seen - bare)
        assert contents_ff(u) == pytest.approx(seen_ff - bare_ff)
    # the table registers count the live bits only: fewer FFs with the contents
    regs = sum(contents_ff(u) for u in units)
    assert regs < 0
    assert with_contents["contents_ff"] == pytest.approx(regs, abs=0.1)
    assert with_contents["total"]["ff"] == pytest.approx(plain["total"]["ff"] + regs, abs=0.2)
