"""ff_pot_gemv: bit-exact with IntLinear on the tiny Mamba-2's in_proj and out_proj (real
lightmamba weights, random activations) and on random weights, shifts and groups, all on
one instance (the shape is set at run time), and cycles equal to the PotGemv cost model."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

import fpgaforge
from fpgaforge.ir.graph import Graph
from fpgaforge.ir.ops.registry import get
from fpgaforge.units.cost.hardware import view
from fpgaforge.units.cost.template import CostContext
from fpgaforge.units.pot_gemv import PotGemv
from fpgaforge.units.pot_gemv.streams import Product, pack_product
from tests.rtl.modules.harness import run_bench, unpack

pytestmark = pytest.mark.rtlsim

MODEL = Path(__file__).resolve().parents[3] / "examples" / "models" / "mamba2_chars.onnx"
PE, SIMD, AG, OUT_W = 8, 16, 8, 32
PARAMS = {"PE": PE, "SIMD": SIMD, "AG": AG, "XDEPTH": 8, "OUT_W": OUT_W}


def activations(rng: np.random.Generator, cols: int) -> np.ndarray:
    """Codes whose groups of 8 span every activation shift (0..15) and zero groups."""
    top = rng.integers(0, 20, cols // 8).repeat(8)
    x = rng.integers(-(1 << top), (1 << top) + 1)
    x[:8] = 0
    return x


def random_linear(
    rng: np.random.Generator, rows: int, cols: int, group: int, act_shift: int = -1
) -> Graph:
    """An IntLinear with random 4-bit codes and two-shift multipliers, a left output shift;
    activations per group of 8 or (act_shift >= 0) with one static shift."""
    pairs = sorted({(1 << a) + (1 << b) for a in range(8) for b in range(a + 1)})
    graph = Graph("lin")
    x = graph.add_input("x", (1, cols), np.int64)
    q = graph.add_constant("q", rng.integers(-8, 8, (rows, cols)))
    m = graph.add_constant("m", rng.choice(pairs, (rows, cols // group)))
    attrs = {"frac_in": 6, "frac_out": 14, "w_exp": -5, "group": group}  # shift -3: a left shift
    if act_shift >= 0:
        attrs.update(act_group=0, act_shift=act_shift)
    graph.add_node("IntLinear", [x, q, m], name="lin", attrs=attrs)
    return graph


def run_products(tmp: Path, products: list[Product], stalls: list[float]) -> list[dict]:
    tmp.mkdir(parents=True, exist_ok=True)
    job, result = tmp / "job.json", tmp / "result.json"
    packed = [
        {**pack_product(p, PE, SIMD, AG), "stall": stall}
        for p, stall in zip(products, stalls, strict=True)
    ]
    job.write_text(json.dumps({"products": packed, "result": str(result)}))
    os.environ["FF_GEMV_JOB"] = str(job)
    run_bench("ff_pot_gemv", ["ff_pot_gemv"], "gemv_bench", tmp / "b", PARAMS)
    return json.loads(result.read_text())


def linears() -> list:
    """The first in_proj and out_proj of the tiny Mamba-2 quantized by lightmamba."""
    graph = fpgaforge.quantize(fpgaforge.load(str(MODEL)), "lightmamba")
    nodes = [n for n in graph.nodes if n.op == "IntLinear"]
    assert [n.name for n in nodes[:2]] == ["/in_proj/MatMul", "/out_proj/MatMul"]
    return nodes[:2]


def test_pot_gemv_codes_and_cycles(tmp_path):
    """in_proj, out_proj, random layers (group 32, a left output shift; one with a static
    activation shift) and in_proj again at full rate on one instance, then out_proj with gaps
    on every input and a stalling consumer (codes only: the gaps set the timing)."""
    rng = np.random.default_rng(16)
    static = random_linear(rng, 8, 64, 16, act_shift=5).nodes
    nodes = [*linears(), *random_linear(rng, 16, 128, 32).nodes, *static]
    products = []
    for node in [*nodes, nodes[0], nodes[1]]:
        x = activations(rng, node.inputs[1].shape[1])[None]
        want = get("IntLinear").compute(node, x, node.inputs[1].const, node.inputs[2].const)[0]
        products.append(Product.of(node, x, want[0]))
    stalls = [0.0] * 5 + [0.3]
    runs = run_products(tmp_path, products, stalls)
    ctx = CostContext.of(view("vck190"), 400)
    compared = 0
    for product, run, stall in zip(products, runs, stalls, strict=True):
        got = [v for word in run["out_data"] for v in unpack(word, PE, OUT_W, True)]
        mismatches = sum(g != int(w) for g, w in zip(got, product.want, strict=True))
        assert mismatches == 0, f"{product.name}: {mismatches} of {len(got)} codes differ"
        compared += len(got)
        if stall:
            continue
        lanes = PE * SIMD
        full = PotGemv(product.rows, product.cols, w_group=product.group, lanes=lanes, simd=SIMD)
        unit = PotGemv(product.rows, product.cols, w_group=product.group, lanes=lanes,
                       simd=SIMD, port_bytes=full.beat_bytes)  # fmt: skip
        measured = run["out_at"][-1] - run["w_at"][0] + 1
        assert measured == unit.estimate(ctx).cycles, (product.name, measured)
    assert compared == 296 * 2 + 64 * 2 + 16 + 8
