"""The decode-step units of a Mamba-2 block (ff_rmsnorm, ff_causal_conv, ff_int_table and the
residual ff_add) on the bundled model's real quantized nodes: the codes those nodes see over
consecutive tokens (states carried) plus random codes that reach the saturations and table
ends, every output code against the integer op, and the cycles against the unit's cost model."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

import fpgaforge
from fpgaforge.ir.executor import execute
from fpgaforge.ir.ops import registry
from fpgaforge.ir.ops.intssm import int_rms
from fpgaforge.quant.lightmamba.decode import decode_split
from fpgaforge.units.causal_conv.cost import CONV_LATENCY, CausalConv
from fpgaforge.units.causal_conv.rtl import conv_out_bits, conv_unit, state_bits
from fpgaforge.units.cost.hardware import view
from fpgaforge.units.cost.template import CostContext
from fpgaforge.units.eltwise.cost import Eltwise
from fpgaforge.units.rmsnorm.cost import TABLE_LATENCY, RMSNormUnit, TableAct
from fpgaforge.units.rmsnorm.rtl import rmsnorm_out_bits, rmsnorm_unit, table_out_bits, table_unit
from tests.rtl.modules.harness import cycles_of, pack, run_bench, run_stream, unpack

pytestmark = pytest.mark.rtlsim

MODEL = Path(__file__).resolve().parents[3] / "examples" / "models" / "mamba2_chars.onnx"
TOKENS = 3
RNG = np.random.default_rng(11)
IN_W = 18  # the codes of this model stay within 17 signed bits


def _ctx() -> CostContext:
    return CostContext.of(view("u280"))


@pytest.fixture(scope="module")
def block():
    """(nodes by name, the values each node reads per token) of the quantized decode step."""
    q = fpgaforge.quantize(fpgaforge.load(MODEL), "lightmamba")
    split = decode_split(q)
    nodes = {n.name: n for n in split.nodes}
    wanted = sorted({v.name for n in split.nodes for v in n.inputs if not v.is_constant})
    wanted = [w for w in wanted if w not in split.states]
    values = {v.name: v for v in q.inputs}
    feeds = {k: np.zeros(values[k].shape, np.int64) for k in split.states}
    seen: dict[str, list[np.ndarray]] = {w: [] for w in [*wanted, *split.states]}
    for token in range(1, TOKENS + 1):
        for k in split.states:
            seen[k].append(feeds[k])
        out = execute(
            q, {split.token: np.array([token]), **feeds}, outputs=[*wanted, *split.states.values()]
        )
        for w in wanted:
            seen[w].append(np.asarray(out[w], np.int64))
        feeds = {k: np.asarray(out[v], np.int64) for k, v in split.states.items()}
    return nodes, seen


def _compute(node, *inputs):
    return registry.get(node.op).compute(node, *inputs)


def _beats(rows: list[np.ndarray], lanes: int, width: int) -> list[int]:
    flat = np.concatenate([r.reshape(-1) for r in rows])
    return [pack(flat[i : i + lanes].tolist(), width) for i in range(0, flat.size, lanes)]


def _codes(words: list[int], lanes: int, width: int) -> np.ndarray:
    return np.array([v for w in words for v in unpack(w, lanes, width, True)], np.int64)


def _check_cycles(run, beats_per_vector: int, cycles: int) -> None:
    latency, interval = cycles_of(run, beats_per_vector, beats_per_vector)
    assert latency == cycles, (latency, cycles)


@pytest.mark.parametrize(("name", "lanes"), [("/norm/Mul_1", 4), ("/norm_1/Mul_3", 8)])
def test_rmsnorm(block, tmp_path, name, lanes):
    nodes, seen = block
    node = nodes[name]
    n = node.inputs[0].shape[-1]
    gated = len(node.inputs) > 2
    xs = seen[node.inputs[0].name] + [RNG.integers(-(1 << 16), 1 << 16, (1, n)),
                                      RNG.integers(-3, 4, (1, n))]  # fmt: skip
    zs = (seen[node.inputs[2].name] + [RNG.integers(-(1 << 15), 1 << 15, (1, n)) for _ in range(2)]
          if gated else [None] * len(xs))  # fmt: skip
    rsqrt = np.asarray(node.const_input(1))
    want = [
        _compute(node, x, rsqrt, *([z] if gated else []))[0] for x, z in zip(xs, zs, strict=True)
    ]
    out_w = rmsnorm_out_bits(node)
    unit = rmsnorm_unit(node, lanes, IN_W, out_w, z_w=IN_W if gated else 0)
    params = unit.sim_params(tmp_path / "mem")
    word = lanes * IN_W
    beats = []
    for x, z in zip(xs, zs, strict=True):
        xb = _beats([x], lanes, IN_W)
        zb = _beats([z], lanes, IN_W) if gated else [0] * len(xb)
        beats += [a | (b << word) for a, b in zip(xb, zb, strict=True)]
    run = run_stream("ff_rmsnorm", params, beats, len(beats), tmp_path / "b")
    got = _codes(run["out_data"], lanes, out_w)
    expect = np.concatenate([w.reshape(-1) for w in want])
    assert np.abs(expect).max() < 1 << (out_w - 1)
    assert (got != expect).sum() == 0, np.flatnonzero(got != expect)[:8]
    est = RMSNormUnit(n, group=n, gated=gated, lanes=lanes).estimate(_ctx())
    _check_cycles(run, n // lanes, est.cycles)
    _report(
        name,
        expect.size,
        int((got != expect).sum()),
        cycles_of(run, n // lanes, n // lanes)[0],
        est.cycles,
    )


def _report(name: str, codes: int, mismatches: int, cycles: int, model: float) -> None:
    path = os.environ.get("FF_UNIT_REPORT")
    if path:
        with open(path, "a") as f:
            f.write(json.dumps({"unit": name, "codes": codes, "mismatches": mismatches,
                                "cycles": cycles, "model": model}) + "\n")  # fmt: skip


def _run_wrapped(top: str, module: str, params: dict, beats: list[int], build_dir: Path) -> dict:
    """run_stream for a test wrapper (hdl/<top>.v) around library `module`."""
    build_dir.mkdir(parents=True, exist_ok=True)
    job, result = build_dir / "job.json", build_dir / "result.json"
    job.write_text(json.dumps({"beats": beats, "outputs": len(beats), "result": str(result)}))
    os.environ["FF_STREAM_JOB"] = str(job)
    run_bench(top, [module], "stream_bench", build_dir, params)
    return json.loads(result.read_text())


def test_silu_table(block, tmp_path):
    nodes, seen = block
    node = nodes["/Mul_1"]
    n, lanes = node.inputs[0].shape[-1], 16
    lo = int(node.attrs["lo"]) << (int(node.attrs["frac_in"]) - int(node.attrs["frac_t"]))
    xs = seen[node.inputs[0].name] + [
        RNG.integers(-(1 << 17), 1 << 17, (1, n)),  # below and above the table
        RNG.integers(lo - 64, lo + 64, (1, n)),  # around its first entry
    ]
    table = np.asarray(node.const_input(1))
    want = np.concatenate([_compute(node, x, table)[0].reshape(-1) for x in xs])
    out_w = table_out_bits(node, IN_W)
    params = table_unit(node, lanes, IN_W, out_w).sim_params(tmp_path / "mem")
    run = run_stream(
        "ff_int_table", params, _beats(xs, lanes, IN_W), len(want) // lanes, tmp_path / "b"
    )
    got = _codes(run["out_data"], lanes, out_w)
    assert (got != want).sum() == 0
    est = TableAct(n, bits=IN_W, lanes=lanes).estimate(_ctx())
    _check_cycles(run, n // lanes, est.cycles)
    _report(
        "/Mul_1 (ff_int_table)",
        want.size,
        int((got != want).sum()),
        cycles_of(run, n // lanes, n // lanes)[0],
        est.cycles,
    )


def test_causal_conv(block, tmp_path):
    nodes, seen = block
    node = nodes["/Concat_conv1d"]
    ch, k = node.const_input(1).shape
    lanes = 16
    xs = seen[node.inputs[0].name] + [RNG.integers(-(1 << 17), 1 << 17, (1, ch)),
                                      RNG.integers(-4, 4, (1, ch))]  # fmt: skip
    xq_w = state_bits(node, IN_W)
    states = seen[node.inputs[4].name] + [
        RNG.integers(-(1 << (xq_w - 1)), 1 << (xq_w - 1), (1, ch, k - 1)) for _ in range(2)
    ]
    consts = [np.asarray(node.const_input(i)) for i in (1, 2, 3)]
    out_w = conv_out_bits(node, IN_W)
    params = conv_unit(node, lanes, IN_W, out_w).sim_params(tmp_path / "mem")
    beats, want = [], []
    for x, st in zip(xs, states, strict=True):
        y, new = _compute(node, x, *consts, st)
        for b in range(ch // lanes):
            c = slice(b * lanes, (b + 1) * lanes)
            beats.append(
                pack(x[0, c].tolist(), IN_W)
                | pack(st[0, c].ravel().tolist(), xq_w) << (lanes * IN_W)
            )
            want.append((y[0, c], new[0, c].ravel()))
    run = _run_wrapped("tb_causal_conv", "ff_causal_conv", params, beats, tmp_path / "b")
    bad = codes = 0
    for word, (y, new) in zip(run["out_data"], want, strict=True):
        got_y = np.array(unpack(word, lanes, out_w, True))
        got_s = np.array(unpack(word >> (lanes * out_w), lanes * (k - 1), xq_w, True))
        bad += int((got_y != y).sum() + (got_s != new).sum())
        codes += y.size + new.size
    assert bad == 0
    latency = cycles_of(run, ch // lanes, ch // lanes)[0]
    est = CausalConv(ch, k, lanes=lanes).estimate(_ctx())
    assert latency == ch // lanes + CONV_LATENCY
    assert latency + TABLE_LATENCY == est.cycles  # the SiLU table behind it
    _report(
        "/Concat_conv1d (ff_causal_conv + ff_int_table)",
        codes,
        bad,
        latency + TABLE_LATENCY,
        est.cycles,
    )


def test_residual_add(block, tmp_path):
    nodes, seen = block
    node = nodes["/Add_4"]
    n, lanes, b_w = node.inputs[0].shape[-1], 8, 33
    a_rows = seen[node.inputs[0].name] + [RNG.integers(-(1 << 17), 1 << 17, (1, n))]
    b_rows = seen[node.inputs[1].name] + [RNG.integers(-(1 << 32), 1 << 32, (1, n))]
    want = np.concatenate([(a + b).reshape(-1) for a, b in zip(a_rows, b_rows, strict=True)])
    beats = [
        a | (b << (lanes * IN_W))
        for a, b in zip(_beats(a_rows, lanes, IN_W), _beats(b_rows, lanes, b_w), strict=True)
    ]
    params = {"A_W": IN_W, "B_W": b_w, "OUT_W": b_w + 1, "LANES": lanes}
    run = _run_wrapped("tb_add2", "ff_add", params, beats, tmp_path / "b")
    got = _codes(run["out_data"], lanes, b_w + 1)
    assert (got != want).sum() == 0
    est = Eltwise("add", n, n, b_w + 1, inputs=2, pe=lanes).estimate(_ctx())
    _check_cycles(run, n // lanes, est.cycles)
    _report(
        "/Add_4 (ff_add)",
        want.size,
        int((got != want).sum()),
        cycles_of(run, n // lanes, n // lanes)[0],
        est.cycles,
    )


class _Value:
    def __init__(self, shape, const=None):
        self.shape, self.const = tuple(shape), const
        self.size = int(np.prod(shape))
        self.name = "v"


class _Node:
    """A stand-alone IntRMSNorm node (the bundled model's norms have power-of-two groups)."""

    op, name = "IntRMSNorm", "/synthetic_norm"

    def __init__(self, n: int, attrs: dict, rsqrt: np.ndarray, gated: bool) -> None:
        self.attrs = registry.normalize_attrs("IntRMSNorm", attrs, lambda: self.name)
        self.inputs = [_Value((1, n)), _Value(rsqrt.shape, rsqrt)]
        if gated:
            self.inputs.append(_Value((1, n)))

    def const_input(self, i: int):
        return self.inputs[i].const


def test_rmsnorm_group_of_24_divides_by_a_constant(tmp_path):
    """Groups of 24 codes: the floor division by 24 is a multiplication by ceil(2^K / 24)."""
    from fpgaforge.quant.lightmamba.tables import rsqrt_table

    n, lanes, z_w = 48, 8, 12
    attrs = {"frac_in": 10, "frac_out": 9, "frac_gate": 7, "eps_code": 3, "group_size": 24}
    node = _Node(n, attrs, rsqrt_table(10, 16), gated=True)
    xs = [RNG.integers(-(1 << 17), 1 << 17, (1, n)) for _ in range(3)] + [
        RNG.integers(-9, 9, (1, n))
    ]
    zs = [RNG.integers(-(1 << 11), 1 << 11, (1, n)) for _ in xs]
    want = np.concatenate([int_rms(x, node.const_input(1), node.attrs, z).reshape(-1)
                           for x, z in zip(xs, zs, strict=True)])  # fmt: skip
    out_w = rmsnorm_out_bits(node)
    params = rmsnorm_unit(node, lanes, IN_W, out_w, z_w=z_w).sim_params(tmp_path / "mem")
    beats = [
        a | (b << (lanes * IN_W))
        for x, z in zip(xs, zs, strict=True)
        for a, b in zip(_beats([x], lanes, IN_W), _beats([z], lanes, z_w), strict=True)
    ]
    run = run_stream("ff_rmsnorm", params, beats, len(beats), tmp_path / "b")
    got = _codes(run["out_data"], lanes, out_w)
    assert (got != want).sum() == 0
    est = RMSNormUnit(n, group=24, gated=True, lanes=lanes).estimate(_ctx())
    _check_cycles(run, n // lanes, est.cycles)
    _report("synthetic group 24 (ff_rmsnorm)", want.size, int((got != want).sum()),
            cycles_of(run, n // lanes, n // lanes)[0], est.cycles)  # fmt: skip
