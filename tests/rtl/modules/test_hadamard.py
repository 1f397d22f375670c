"""ff_hadamard: bit-exact with the Hadamard op on integer codes (normalized off) for powers
of two and a K x 2^k size, and cycles equal to the MixedHadamard cost model."""

from __future__ import annotations

import numpy as np
import pytest

from fpgaforge.ir.graph import Graph
from fpgaforge.ir.ops.registry import get
from fpgaforge.numerics import hadamard
from fpgaforge.units.cost.hardware import view
from fpgaforge.units.cost.template import CostContext
from fpgaforge.units.hadamard import MixedHadamard
from fpgaforge.units.hadamard.signs import sign_rows
from tests.rtl.modules.harness import cycles_of, pack, run_stream, unpack, write_hex

pytestmark = pytest.mark.rtlsim

IN_W = 16
VECTORS = 3


def op_reference(x: np.ndarray) -> np.ndarray:
    """The Hadamard op's integer semantics (the IR's compute) on int64 codes."""
    graph = Graph("h")
    value = graph.add_input("x", x.shape, np.int64)
    node = graph.add_node("Hadamard", [value], name="rot", attrs={"normalized": False})
    return get("Hadamard").compute(node, x.astype(np.int64))[0]


@pytest.mark.parametrize(
    ("n", "lanes", "k_lanes"),
    [(64, 4, 8), (128, 8, 16), (96, 2, 4)],  # 96 = 12 x 8: a 12 x 12 stage after 3 stages
)
def test_hadamard_codes_and_cycles(tmp_path, n, lanes, k_lanes):
    k_size, pow2 = hadamard.decompose(n)
    width = IN_W + int(np.log2(pow2)) + (int(np.ceil(np.log2(k_size))) if k_size > 1 else 0)
    rng = np.random.default_rng(n)
    x = rng.integers(-(1 << (IN_W - 1)), 1 << (IN_W - 1), (VECTORS, n))
    x[0, :] = -(1 << (IN_W - 1))  # the widest result: every code at the negative end
    x[1, ::2] = (1 << (IN_W - 1)) - 1
    beat = 2 * lanes
    beats = [pack(list(v[i : i + beat]), IN_W) for v in x for i in range(0, n, beat)]
    params = {"N": n, "K": k_size, "LANES": lanes, "KL": k_lanes, "IN_W": IN_W}
    if k_size > 1:
        rows = write_hex(tmp_path / "h.hex", sign_rows(k_size), k_size)
        params["H_FILE"] = f'"{rows}"'
    out_beats = n // k_lanes
    run = run_stream("ff_hadamard", params, beats, VECTORS * out_beats, tmp_path / "b")
    got = np.array(
        [v for word in run["out_data"] for v in unpack(word, k_lanes, width, True)]
    ).reshape(VECTORS, n)
    want = op_reference(x)
    mismatches = int((got != want).sum())
    assert mismatches == 0, f"{mismatches} of {got.size} codes differ"
    ctx = CostContext.of(view("vck190"), 400)
    one = MixedHadamard(n, 1, IN_W, lanes=lanes, k_lanes=k_lanes).estimate(ctx)
    every = MixedHadamard(n, VECTORS, IN_W, lanes=lanes, k_lanes=k_lanes).estimate(ctx)
    latency, interval = cycles_of(run, n // beat, out_beats)
    assert latency == one.cycles, (latency, one.cycles)
    assert interval == one.ii, (interval, one.ii)
    total = run["out_at"][-1] - run["in_at"][0] + 1
    assert total == every.cycles, (total, every.cycles)
