"""Narrow code storage in the executor (fpgaforge.ir.codes): int16/int32 codes between
the ops that declare `narrow_codes`, every result equal to the int64 reference."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import fpgaforge
from fpgaforge.ir.codes import compute_dtype, relu, storage_dtype, widen
from fpgaforge.ir.executor import execute
from fpgaforge.ir.ops import get
from fpgaforge.ir.ops.intmac import int64_reference
from fpgaforge.numerics.types import Fixed, Int

MODELS = Path(__file__).resolve().parents[2] / "examples" / "models"


@pytest.mark.parametrize(
    ("dtype", "want"),
    [
        (Int(8), np.int16),
        (Int(8, signed=False), np.int16),
        (Int(16), np.int16),
        (Int(16, signed=False), np.int32),
        (Fixed(18, 5), np.int32),
        (Int(32), np.int32),
        (Int(32, signed=False), np.int64),
        (Int(40), np.int64),
    ],
)
def test_storage_is_the_narrowest_dtype_holding_the_type(dtype, want):
    assert storage_dtype(dtype) == np.dtype(want)


def test_float_values_have_no_code_storage():
    assert storage_dtype(np.dtype(np.float32)) is None
    floats = np.ones(3, dtype=np.float32)
    assert widen(floats) is floats


def test_compute_dtype_holds_the_peak():
    assert compute_dtype(32767) == np.int16
    assert compute_dtype(32768) == np.int32
    assert compute_dtype((1 << 31) - 1) == np.int32
    assert compute_dtype(1 << 31) == np.int64


@pytest.mark.parametrize("dtype", [np.int16, np.int32, np.int64])
def test_relu_by_sign_mask_equals_maximum(dtype):
    info = np.iinfo(dtype)
    codes = np.array([info.min, -2, -1, 0, 1, 2, info.max], dtype=dtype)
    got = relu(codes)
    assert got.dtype == dtype
    np.testing.assert_array_equal(got, np.maximum(codes, 0))


def _recorded_input_dtypes(monkeypatch, op: str) -> list[np.dtype]:
    seen: list[np.dtype] = []
    definition = get(op)
    original = definition.compute_int

    def record(node, *arrays):
        seen.append(arrays[0].dtype)
        return original(node, *arrays)

    monkeypatch.setattr(definition, "compute_int", record)
    return seen


@pytest.mark.parametrize("spec", ["int8", "fixed:8,3", "fixed:16,6"])
@pytest.mark.parametrize("model", ["digits_mlp", "digits_cnn", "digits_rescnn"])
def test_narrow_storage_equals_the_int64_reference(model, spec, monkeypatch):
    """Without overflow counting (so the int32 and float64 requantize passes run), every
    intermediate equals the int64 reference; codes leave the executor as int64."""
    graph = fpgaforge.load(MODELS / f"{model}.onnx")
    x = np.load(MODELS / f"{model}_test.npz")["x"]
    q = fpgaforge.quantize(graph, spec, {"x": x})
    names = [v.name for n in q.nodes for v in n.outputs]
    seen = _recorded_input_dtypes(monkeypatch, "Dense" if model == "digits_mlp" else "Conv")
    observed: dict[str, np.dtype] = {}
    fast = execute(
        q,
        {"x": x},
        outputs=names,
        as_codes=True,
        observe=lambda value, array: observed.setdefault(value.name, array.dtype),
    )
    assert seen and set(seen) == {np.dtype(np.int16)}  # 8- and 16-bit activations
    with int64_reference():
        ref = execute(q, {"x": x}, outputs=names, as_codes=True)
    for name in names:
        assert fast[name].dtype == ref[name].dtype == np.int64, name
        np.testing.assert_array_equal(fast[name], ref[name], err_msg=name)
    assert set(observed.values()) <= {np.dtype(np.int64), np.dtype(np.float32)}


def test_ops_without_narrow_codes_get_int64(monkeypatch):
    graph = fpgaforge.load(MODELS / "digits_cnn.onnx")
    x = np.load(MODELS / "digits_cnn_test.npz")["x"][:4]
    q = fpgaforge.quantize(graph, "int8", {"x": x})
    monkeypatch.setattr(type(get("Requant")), "narrow_codes", False)
    seen = _recorded_input_dtypes(monkeypatch, "Requant")
    execute(q, {"x": x}, as_codes=True)
    assert seen and set(seen) == {np.dtype(np.int64)}
