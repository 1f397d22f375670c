"""ff_fifo, ff_dwc and ff_lutact: data kept (or looked up) bit-exact, and the one-register
latency the cost models use (fill = drain = 1 for FIFO, activation and a widening DWC)."""

from __future__ import annotations

import random

import pytest

from fpgaforge.units.cost.hardware import view
from fpgaforge.units.cost.template import CostContext
from fpgaforge.units.lutact.cost import LutActivation
from tests.rtl.modules.harness import pack, run_stream, unpack, write_hex

pytestmark = pytest.mark.rtlsim


def test_fifo(tmp_path):
    beats = list(range(1, 41))
    run = run_stream("ff_fifo", {"W": 8, "DEPTH": 4}, beats, len(beats), tmp_path / "b")
    assert run["out_data"] == beats
    # one cycle through, one beat per cycle
    assert run["out_at"][0] - run["in_at"][0] == 1
    assert run["out_at"][-1] - run["out_at"][0] == len(beats) - 1


@pytest.mark.parametrize(("n_in", "n_out"), [(2, 4), (4, 2)])
def test_dwc(tmp_path, n_in, n_out):
    rng = random.Random(n_in)
    elems = [rng.randint(0, 255) for _ in range(48)]
    beats = [pack(elems[i : i + n_in], 8) for i in range(0, len(elems), n_in)]
    params = {"EW": 8, "IN_N": n_in, "OUT_N": n_out}
    run = run_stream("ff_dwc", params, beats, len(elems) // n_out, tmp_path / "b")
    assert [v for w in run["out_data"] for v in unpack(w, n_out, 8, False)] == elems
    # full rate on the busier side, one register: no bubble when a beat leaves and one enters
    in_beats, out_beats = len(elems) // n_in, len(elems) // n_out
    assert run["out_at"][-1] - run["in_at"][0] + 1 == max(in_beats, out_beats) + 1


def test_lutact(tmp_path):
    table = [(i * 37 + 5) % 256 for i in range(64)]
    lanes, n = 2, 40
    rng = random.Random(3)
    xs = [rng.randint(-128, 127) for _ in range(n)]
    params = {"IN_W": 8, "IDX_W": 6, "OUT_W": 8, "LANES": lanes,
              "LUT_FILE": f'"{write_hex(tmp_path / "lut.hex", table, 8)}"'}  # fmt: skip
    beats = [pack(xs[i : i + lanes], 8) for i in range(0, n, lanes)]
    run = run_stream("ff_lutact", params, beats, n // lanes, tmp_path / "b")
    got = [v for w in run["out_data"] for v in unpack(w, lanes, 8, False)]
    assert got == [table[(x & 0xFF) >> 2] for x in xs]
    est = LutActivation(func="tanh", elements=n, channels=lanes, in_bits=8, out_bits=8,
                        table_bits=6, pe=lanes).estimate(CostContext.of(view("ulx3s-85f")))  # fmt: skip
    assert run["out_at"][-1] - run["in_at"][0] + 1 == est.cycles
    assert run["out_at"][0] - run["in_at"][0] == est.fill
    assert est.ii == n // lanes
