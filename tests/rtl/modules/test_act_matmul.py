"""ff_act_matmul: bit-exact with numpy.matmul (the MatMul op's integer semantics) on
channel-last rank-4 operands (attention's heads innermost), with the base tables the
generator writes, and its cycles (latency, interval, first output) equal to the cost model."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from fpgaforge.units import layout
from fpgaforge.units.act_matmul import ActMatMul
from fpgaforge.units.act_matmul.rtl import act_matmul_rom
from fpgaforge.units.cost.hardware import view
from fpgaforge.units.cost.template import CostContext
from tests.rtl.modules.harness import cycles_of, pack, run_bench, unpack

pytestmark = pytest.mark.rtlsim


def _stream(x: np.ndarray) -> list[int]:
    return x.reshape(-1)[layout.order(x.shape)].tolist()


@pytest.mark.parametrize(("a_shape", "b_shape", "stall"), [
    ((1, 2, 3, 4), (1, 2, 4, 5), 0.0),  # scores-like: two heads, unsigned b
    ((1, 3, 4), (1, 4, 2), 0.3),  # rank 3, row-major streams, output back-pressure
])  # fmt: skip
def test_act_matmul(tmp_path, a_shape, b_shape, stall):
    rng = np.random.default_rng(len(a_shape))
    a = rng.integers(-128, 128, a_shape)
    b = rng.integers(0, 256, b_shape)
    want = np.matmul(a, b)
    out_shape = want.shape
    frames, acc_w = 3, 20
    rom = act_matmul_rom(a_shape, b_shape, out_shape, (8, True), (8, False), acc_w)
    params = dict(rom.params)
    for key, words in (("A_BASE_FILE", rom.a_base), ("B_BASE_FILE", rom.b_base)):
        path = tmp_path / f"{key.lower()}.hex"
        path.write_text("".join(f"{w}\n" for w in words))
        params[key] = f'"{path}"'
    build = tmp_path / "b"
    build.mkdir()
    job, result = build / "job.json", build / "result.json"
    job.write_text(json.dumps({
        "a": [pack([v], 8) for _ in range(frames) for v in _stream(a)],
        "b": [pack([v], 8) for _ in range(frames) for v in _stream(b)],
        "outputs": frames * want.size, "result": str(result), "stall": stall, "seed": 3,
    }))  # fmt: skip
    os.environ["FF_MATMUL_JOB"] = str(job)
    run_bench("ff_act_matmul", ["ff_act_matmul"], "matmul_bench", build, params)
    run = json.loads(result.read_text())
    got = [unpack(w, 1, acc_w, True)[0] for w in run["out_data"]]
    assert got == _stream(want) * frames
    if stall:
        return
    m, k, n = a_shape[-2], a_shape[-1], b_shape[-1]
    unit = ActMatMul(mats=want.size // (m * n), m=m, k=k, n=n, a_elements=a.size,
                     b_elements=b.size, a_bits=8, b_bits=8, acc_bits=acc_w)  # fmt: skip
    est = unit.estimate(CostContext.of(view("zcu104")))
    latency, interval = cycles_of(run, max(a.size, b.size), want.size)
    assert (latency, interval) == (est.cycles, est.ii)
    assert run["out_at"][0] - run["in_at"][0] == est.fill
