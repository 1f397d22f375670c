"""ff_pot_quant against quantize_activation (power-of-two groups at 4 and 8 bits, static
shifts): random codes over every magnitude, the extremes, and the activations the tiny
Mamba-2 LM's IntLinear and IntConv1d nodes quantize."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from tests.rtl.modules.harness import run_bench

pytestmark = pytest.mark.rtlsim

MODEL = Path(__file__).resolve().parents[3] / "examples" / "models" / "mamba2_chars.onnx"


def model_words(tokens: list[int]) -> list[list[int]]:
    """The inputs of the tiny LM's activation quantizers (IntLinear, IntConv1d), 16 a word."""
    import fpgaforge
    from fpgaforge.ir.executor import execute

    g = fpgaforge.quantize(fpgaforge.load(str(MODEL)), "lightmamba")
    names = [n.inputs[0].name for n in g.nodes if n.op in ("IntLinear", "IntConv1d")]
    feeds = {v.name: np.zeros(v.shape, np.int64) for v in g.inputs}
    words = []
    for t in tokens:
        feeds["token"] = np.array([t], np.int64)
        r = execute(g, feeds, outputs=names + [o.name for o in g.outputs], as_codes=True)
        for n in names:
            flat = np.asarray(r[n], np.int64).reshape(-1)
            words += [flat[i : i + 16].tolist() for i in range(0, len(flat), 16)]
        for v in g.inputs[1:]:
            feeds[v.name] = np.asarray(r[f"{v.name}_out"], np.int64)
    return words


def random_words(rng: np.random.Generator, count: int) -> list[list[int]]:
    words = [[-(1 << 31)] * 16, [(1 << 31) - 1] * 16, [0] * 16, [1, -1] * 8, [-8] * 16,
             [7, -8, 15, -16, 127, -128, 255, -256] * 2]  # fmt: skip
    for _ in range(count):
        top = int(rng.integers(1, 32))
        words.append(rng.integers(-(1 << top), 1 << top, 16).tolist())
    return words


def test_pot_quant_random_and_model(tmp_path):
    words = random_words(np.random.default_rng(3), 300)
    real = model_words([3, 17])
    job, result = tmp_path / "job.json", tmp_path / "result.json"
    job.write_text(json.dumps({"words": words + real, "result": str(result)}))
    os.environ["FF_POT_JOB"] = str(job)
    run_bench("tb_pot_quant", ["ff_pot_quant"], "pot_quant_bench", tmp_path / "build")
    r = json.loads(result.read_text())
    print(f"pot quant: {len(words)} random + {len(real)} model words, "
          f"{r['compared']} codes compared, {r['mismatches']} mismatches")  # fmt: skip
    assert r["mismatches"] == 0 and r["compared"] == 4 * 16 * (len(words) + len(real))
