"""ff_softmax: bit-exact with the integer softmax (`table_int.softmax_codes`) on tables the
quantizer builds, and its cycles (latency, interval, first output) equal to the cost model."""

from __future__ import annotations

import numpy as np
import pytest

from fpgaforge.ir.ops.table_int import softmax_codes
from fpgaforge.numerics.scale import Scale
from fpgaforge.numerics.types import Int
from fpgaforge.quant.lower.rowwise import SOFTMAX_FRAC, exp_table
from fpgaforge.units.cost.hardware import view
from fpgaforge.units.cost.template import CostContext
from fpgaforge.units.softmax_norm.cost import SoftmaxNorm
from tests.rtl.modules.harness import cycles_of, pack, run_stream, unpack, write_hex

pytestmark = pytest.mark.rtlsim


def _template(n: int, rows: int, bits: int, table) -> SoftmaxNorm:
    values = [int(v) for v in table.values]
    return SoftmaxNorm(op="softmax", rows=rows, row_len=n, bits=bits, table_len=len(values),
                       table_shift=int(table.shift), exp_max=max(values), exp_first=values[0],
                       out_frac=SOFTMAX_FRAC)  # fmt: skip


@pytest.mark.parametrize(
    ("n", "rows", "bits", "step", "stall"),
    [
        (10, 3, 8, 0.12, 0.0),  # int8 logits, one table entry per distance
        (7, 2, 12, 0.001, 0.3),  # 12-bit codes: bucketed distances, output back-pressure
    ],
)
def test_softmax(tmp_path, n, rows, bits, step, stall):
    code_t = Int(bits, True, Scale.per_tensor(step))
    table = exp_table(None, code_t)  # type: ignore[arg-type]  # the node only names errors
    t = _template(n, rows, bits, table)
    g = t.softmax_geometry()
    rng = np.random.default_rng(bits)
    frames = 3
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    x = rng.integers(lo, hi + 1, (frames * rows, n))
    x[0] = hi  # a row of equal codes
    x[1, :2] = [lo, hi]  # the widest distance
    want = softmax_codes(x, -1, table, SOFTMAX_FRAC)
    params = {
        **g.params(),
        "EXP_FILE": f'"{write_hex(tmp_path / "exp.hex", list(table.values), g.exp_w)}"',
    }
    beats = [pack([int(v)], bits) for v in x.ravel()]
    run = run_stream("ff_softmax", params, beats, x.size, tmp_path / "b", stall=stall, seed=1)
    got = [unpack(w, 1, SOFTMAX_FRAC + 1, False)[0] for w in run["out_data"]]
    assert got == want.ravel().tolist()
    if stall:
        return
    est = t.estimate(CostContext.of(view("zcu104")))
    latency, interval = cycles_of(run, rows * n, rows * n)
    assert (latency, interval) == (est.cycles, est.ii)
    assert run["out_at"][0] - run["in_at"][0] == est.fill
