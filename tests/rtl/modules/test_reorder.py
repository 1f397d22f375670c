"""ff_reorder (ping-pong frame buffer, index ROM): transposes bit-exact against numpy, and
latency / interval / fill / drain equal to the `stream` template's Transpose model."""

from __future__ import annotations

import json
import os
import random

import numpy as np
import pytest

from fpgaforge.units.cost.hardware import view
from fpgaforge.units.cost.template import CostContext
from fpgaforge.units.stream.cost import StreamOp
from tests.rtl.modules.harness import cycles_of, pack, run_bench, run_stream, unpack, write_hex

pytestmark = pytest.mark.rtlsim

EW = 8


def agree(sim: float, est: float) -> bool:
    """Within 2 % or 10 cycles."""
    return abs(sim - est) <= max(0.02 * est, 10)


def order_rom(shape: tuple[int, ...], perm: tuple[int, ...], pe: int) -> tuple[list[int], int]:
    """ROM words of a transpose (per output lane: input beat << LB | input lane) and their width."""
    n = int(np.prod(shape))
    source = np.arange(n).reshape(shape).transpose(perm).reshape(-1)
    beats = n // pe
    lb = max(1, (pe - 1).bit_length())
    iw = max(1, (beats - 1).bit_length()) + lb
    fields = [(int(i) // pe) << lb | int(i) % pe for i in source]
    return [pack(fields[b * pe : (b + 1) * pe], iw) for b in range(beats)], pe * iw


def frames_of(shape: tuple[int, ...], count: int, seed: int) -> np.ndarray:
    """`count` random frames of signed 8-bit codes."""
    return np.random.default_rng(seed).integers(-128, 128, (count, *shape))


def setup(tmp_path, shape, perm, pe, frames: int, seed: int):
    n = int(np.prod(shape))
    words, width = order_rom(shape, perm, pe)
    params = {"EW": EW, "PE": pe, "ELEMS": n,
              "ORDER_FILE": f'"{write_hex(tmp_path / "order.hex", words, width)}"'}  # fmt: skip
    x = frames_of(shape, frames, seed)
    flat = x.reshape(frames, -1)
    beats = [pack(list(f[i : i + pe]), EW) for f in flat for i in range(0, n, pe)]
    want = [int(v) for f in x for v in f.transpose(perm).reshape(-1)]
    return params, beats, want


CASES = [((4, 8), (1, 0), 1), ((4, 8), (1, 0), 2), ((3, 4, 4), (0, 2, 1), 1),
         ((3, 4, 4), (0, 2, 1), 4)]  # fmt: skip


@pytest.mark.parametrize(("shape", "perm", "pe"), CASES)
def test_reorder_transpose(tmp_path, shape, perm, pe):
    frames = 3
    n = int(np.prod(shape))
    params, beats, want = setup(tmp_path, shape, perm, pe, frames, seed=pe + n)
    per_frame = n // pe
    run = run_stream("ff_reorder", params, beats, per_frame * frames, tmp_path / "b")
    got = [v for w in run["out_data"] for v in unpack(w, pe, EW, True)]
    assert got == want
    est = StreamOp(op="Transpose", elements=n, bits=EW, pe=pe).estimate(
        CostContext.of(view("ulx3s-85f"))
    )
    latency, interval = cycles_of(run, per_frame, per_frame)
    assert agree(latency, est.cycles) and agree(interval, est.ii), (latency, interval, est)
    assert (latency, interval) == (est.cycles, est.ii)
    assert run["out_at"][0] - run["in_at"][0] == est.fill
    assert run["out_at"][per_frame - 1] - run["in_at"][per_frame - 1] == est.drain


@pytest.mark.parametrize("pe", [1, 2])
def test_reorder_backpressure(tmp_path, pe):
    """Random input gaps and 40 % output stalls: every frame still comes out transposed."""
    shape, perm, frames = (4, 6), (1, 0), 5
    params, beats, want = setup(tmp_path, shape, perm, pe, frames, seed=7 + pe)
    build = tmp_path / "b"
    build.mkdir()
    job, result = build / "job.json", build / "result.json"
    job.write_text(json.dumps({"beats": beats, "outputs": len(beats), "seed": pe,
                               "gap": 0.3, "stall": 0.4, "result": str(result)}))  # fmt: skip
    os.environ["FF_STREAM_JOB"] = str(job)
    run_bench("ff_reorder", ["ff_reorder"], "reorder_bench", build, params)
    out = json.loads(result.read_text())["out_data"]
    assert [v for w in out for v in unpack(w, pe, EW, True)] == want


def test_reorder_options_divide_the_frame():
    """A buffered op is folded only by lane counts that cut its frame into whole beats."""
    assert [o["pe"] for o in StreamOp(op="Transpose", elements=24, bits=8).options()] == [
        1,
        2,
        4,
        8,
    ]
    rng = random.Random(0)
    for _ in range(20):
        n = rng.randint(1, 200)
        for opt in StreamOp(op="Transpose", elements=n, bits=8).options():
            assert n % opt["pe"] == 0
