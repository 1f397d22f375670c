"""The code widths of the decode step (`fpgaforge/hls/mamba_widths.py`) hold: every op of the
bundled model's hardware part, fed inputs anywhere inside their bounds (the bounds' ends
included), computes outputs inside its output bounds (the integer ops of
fpgaforge/ir/ops/intssm.py run on them)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import fpgaforge
from fpgaforge.hls.mamba_widths import decode_bounds, width
from fpgaforge.ir.ops import registry
from fpgaforge.quant.lightmamba.decode import decode_split

MODEL = Path(__file__).resolve().parents[2] / "examples" / "models" / "mamba2_chars.onnx"
INT64_MAX = (1 << 63) - 1


@pytest.fixture(scope="module")
def split():
    return decode_split(fpgaforge.quantize(fpgaforge.load(MODEL), "lightmamba"))


def _sample(rng, shape, m: int, scale: int, end: int) -> np.ndarray:
    if scale == m:  # every code at the same end: sums reach their bounds
        return np.full(shape, end * m, dtype=np.int64)
    x = rng.integers(-scale, scale + 1, shape, dtype=np.int64)
    x.flat[rng.integers(0, x.size)] = end * m  # one code at an end of the bound
    return x


def _inputs(rng, node, bounds, trial: int, shrink: int) -> list[np.ndarray]:
    inputs = []
    for v in node.inputs:
        if v.is_constant:
            inputs.append(np.asarray(v.const))
            continue
        m = max(bounds.mag[v.name] >> shrink, 1)
        scale = max(m >> (8 * (trial % 4)), 1) if trial % 4 else m
        inputs.append(_sample(rng, v.shape, m, scale, 1 if trial % 2 else -1))
    return inputs


def _fits_int64(node, inputs) -> bool:
    """Whether the RMSNorm's sum of squares stays inside the emulation's int64 (beyond it the
    emulation wraps, and so does the kernel's 64-bit accumulator)."""
    if node.op != "IntRMSNorm":
        return True
    x = np.asarray(inputs[0], dtype=object)
    if len(inputs) > 2:
        x = (x * np.asarray(inputs[2], dtype=object)) >> int(node.attrs["frac_gate"])
    return int((x * x).sum()) <= INT64_MAX


def test_every_output_stays_inside_its_bound(split):
    bounds = decode_bounds(split)
    rng = np.random.default_rng(3)
    checked = 0
    for node in split.nodes:
        if node.op in ("Split", "Reshape"):
            continue
        for trial in range(12):
            shrink = 0  # an RMSNorm input is scaled down until the emulation's int64 holds its sum
            inputs = _inputs(rng, node, bounds, trial, shrink)
            while not _fits_int64(node, inputs):
                shrink += 4
                inputs = _inputs(rng, node, bounds, trial, shrink)
            outputs = registry.get(node.op).compute(node, *inputs)
            for v, y in zip(node.outputs, outputs, strict=True):
                top = int(np.abs(np.asarray(y, dtype=np.int64)).max())
                assert top <= bounds.mag[v.name], (node.name, v.name, top)
                low, high = int(np.min(y)), int(np.max(y))
                bits = bounds.bits(v.name)
                assert -(1 << (bits - 1)) <= low and high < 1 << (bits - 1), (node.name, bits)
                checked += 1
    assert checked == 12 * sum(
        len(n.outputs) for n in split.nodes if n.op not in ("Split", "Reshape")
    )


def test_widths_of_the_bundled_model(split):
    bounds = decode_bounds(split)
    assert bounds.bits(split.residual_in) == 32  # the boundary saturates to 32 bits
    assert bounds.bits("ssm_state_0") == bounds.bits("ssm_state_0_out") <= 24  # 8-bit codes << 15
    linear = next(n for n in split.nodes if n.op == "IntLinear")
    assert bounds.acc[linear.name]["PART_BITS"] < bounds.acc[linear.name]["ACC_BITS"] <= 64
    assert width(0) == 2 and width(127) == 8 and width(128) == 9
