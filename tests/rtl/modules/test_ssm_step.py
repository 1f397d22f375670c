"""ff_ssm_step against fpgaforge.ir.ops.intssm.ssm_step_codes: several decode steps with the
state carried in the unit, every y code compared, and the cycles per step equal to the
`SSMStep` cost model's. Random constants and inputs (saturating values included) with the
lightmamba attributes, then the tiny Mamba-2 LM's first SSM layer on its real inputs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from fpgaforge.ir.ops.intssm import ssm_step_codes
from fpgaforge.units.cost.hardware import view
from fpgaforge.units.cost.template import CostContext
from fpgaforge.units.ssm_scan import SSMStep
from fpgaforge.units.ssm_scan.rtl import beats, ssm_step_rtl
from tests.rtl.modules.harness import pack, run_stream, unpack

pytestmark = pytest.mark.rtlsim

MODEL = Path(__file__).resolve().parents[3] / "examples" / "models" / "mamba2_chars.onnx"
NAMES = ("a_q", "a_shift", "d_q", "d_shift", "dt_bias", "sp_table", "exp_table")
IN_W, Y_W = 32, 32


def run_ssm(tmp_path: Path, attrs: dict, consts: dict, steps: list[tuple], state0, *,
            heads: int, headdim: int, d_state: int, groups: int, lanes: int,
            stall: float = 0.0) -> dict:  # fmt: skip
    """Run the unit on `steps` [(x, dt, B, C)] from `state0`; compare every y code with the
    integer reference; return the cycle figures and the comparison counts."""
    unit = ssm_step_rtl("ssm", attrs, consts, heads=heads, headdim=headdim, d_state=d_state,
                        groups=groups, lanes=lanes, in_w=IN_W, y_w=Y_W, state=state0[0])  # fmt: skip
    params = dict(unit.params)
    tmp_path.mkdir(parents=True, exist_ok=True)
    for key, lines in unit.files.items():
        path = tmp_path / f"{key.lower()}.hex"
        path.write_text("".join(f"{w}\n" for w in lines))
        params[key] = f'"{path}"'
    grp = int(attrs["group"])
    words, want, state = [], [], state0
    args = [consts[k] for k in NAMES]
    for x, dt, b, c in steps:
        words += [pack(beat, IN_W) for beat in beats(x, dt, b, c, grp)]
        y, state = ssm_step_codes(attrs, x, dt, b, c, state, *args)
        want += y.reshape(-1).tolist()
    assert max(abs(v) for v in want) < 1 << (Y_W - 1)
    np_ = max(lanes // d_state, 1)
    run = run_stream("ff_ssm_step", params, words, len(want) // np_, tmp_path / "b",
                     ("ff_pot_quant", "ff_shift_round"), stall=stall, seed=lanes)  # fmt: skip
    got = [v for word in run["out_data"] for v in unpack(word, np_, Y_W, True)]
    bad = sum(int(g != w) for g, w in zip(got, want, strict=True))
    per = len(words) // len(steps)
    firsts = run["in_at"][::per]
    period = firsts[1] - firsts[0]
    latency = run["out_at"][len(want) // np_ // len(steps) - 1] - firsts[0] + 1
    est = SSMStep(heads, headdim, d_state, groups=groups, lanes=lanes, group=grp,
                  state_bits=int(attrs["state_bits"])).estimate(CostContext.of(view("ultra96v2")))  # fmt: skip
    return {"codes": len(want), "mismatches": bad, "period": period, "latency": latency,
            "model_ii": est.ii, "model_cycles": est.cycles, "got": got, "want": want}  # fmt: skip


def random_case(rng: np.random.Generator, heads, headdim, d_state, groups, steps, signed):
    """lightmamba-like attributes, random tables (`signed`: softplus entries below 0 too) and
    constants, inputs over the full range."""
    attrs = {"frac_x": 12, "frac_dt": 11, "frac_bc": 12, "frac_h": 13, "frac_y": 11,
             "frac_dts": 10, "frac_da": 7, "frac_te": 8, "lo_e": -4096, "lo_sp": -2048,
             "frac_tsp": 8, "ssm_bits": 8, "state_bits": 8, "group": 8}  # fmt: skip
    consts = {
        "a_q": rng.integers(-128, 0, heads),
        "a_shift": rng.integers(1, 5, heads),
        "d_q": rng.integers(-128, 128, heads),
        "d_shift": rng.integers(3, 8, heads),
        "dt_bias": rng.integers(-16000, 4000, heads),
        "sp_table": np.sort(rng.integers(-600 if signed else 0, 8192, 4096)),
        "exp_table": np.sort(rng.integers(0, 129, 4097)),
    }

    def wide(shape, scale):
        v = rng.integers(-scale, scale, shape)
        big = rng.random(shape) < 0.05
        return np.where(big, rng.integers(-(1 << 30), 1 << 30, shape), v)

    data = [(wide((1, heads, headdim), 1 << 14), wide((1, heads), 1 << 14),
             wide((1, groups, d_state), 1 << 13), wide((1, groups, d_state), 1 << 13))
            for _ in range(steps)]  # fmt: skip
    from fpgaforge.numerics.pot import pot_fake

    state0 = pot_fake(rng.integers(-(1 << 16), 1 << 16, (1, heads, headdim, d_state)), 8, 8)
    return attrs, consts, data, state0


@pytest.mark.parametrize(("lanes", "stall"), [(8, 0.0), (32, 0.0), (16, 0.3)])
def test_ssm_step_random(tmp_path, lanes, stall):
    """Lanes below, above and equal to d_state; the last with the output stalled in 30 % of
    the cycles (the whole pipeline waits; codes still exact, cycles then longer)."""
    rng = np.random.default_rng(lanes)
    attrs, consts, data, state0 = random_case(rng, 8, 8, 16, 2, 3, signed=lanes == 32)
    r = run_ssm(tmp_path, attrs, consts, data, state0, heads=8, headdim=8, d_state=16,
                groups=2, lanes=lanes, stall=stall)  # fmt: skip
    print(f"random lanes {lanes} stall {stall}: {r['codes']} codes, {r['mismatches']} "
          f"mismatches, period {r['period']} (model {r['model_ii']}), latency {r['latency']} "
          f"(model {r['model_cycles']})")  # fmt: skip
    assert r["mismatches"] == 0, (r["got"][:16], r["want"][:16])
    if stall == 0:
        assert r["period"] == r["model_ii"] and r["latency"] == r["model_cycles"]
    else:
        assert r["period"] > r["model_ii"]


def model_steps(tokens: list[int]):
    """The first SSM layer of the tiny Mamba-2 LM (lightmamba): attrs, constants and its real
    inputs (x, dt, B, C codes) for `tokens` decoded one after the other."""
    import fpgaforge
    from fpgaforge.ir.executor import execute

    g = fpgaforge.quantize(fpgaforge.load(str(MODEL)), "lightmamba")
    node = next(n for n in g.nodes if n.op == "IntSSMStep")
    consts = {k: node.inputs[i + 5].const for i, k in enumerate(NAMES)}
    feeds = {v.name: np.zeros(v.shape, np.int64) for v in g.inputs}
    names = [v.name for v in node.inputs[:4]]
    outs = [o.name for o in g.outputs]
    data = []
    for t in tokens:
        feeds["token"] = np.array([t], np.int64)
        r = execute(g, feeds, outputs=names + outs, as_codes=True)
        data.append(tuple(np.asarray(r[n], np.int64) for n in names))
        for v in g.inputs[1:]:
            feeds[v.name] = np.asarray(r[f"{v.name}_out"], np.int64)
    shape = node.inputs[4].shape
    return dict(node.attrs), consts, data, np.zeros(shape, np.int64), shape


def test_ssm_step_tiny_lm(tmp_path):
    attrs, consts, data, state0, shape = model_steps([3, 17, 42, 5])
    _, heads, headdim, d_state = shape
    groups = data[0][2].shape[1]
    r = run_ssm(tmp_path, attrs, consts, data, state0, heads=heads, headdim=headdim,
                d_state=d_state, groups=groups, lanes=32)  # fmt: skip
    print(f"tiny LM lanes 32: {r['codes']} codes, {r['mismatches']} mismatches, "
          f"period {r['period']} (model {r['model_ii']}), latency {r['latency']} "
          f"(model {r['model_cycles']})")  # fmt: skip
    assert r["mismatches"] == 0, (r["got"][:16], r["want"][:16])
    assert r["period"] == r["model_ii"] and r["latency"] == r["model_cycles"]
