"""The importer on a few hundred fuzzed models: every case is a Graph or one clean sentence.

The cases come from `tests/frontend/onnx_fuzz.py`, the same generator that
`bench/fuzz_import.py` runs at any count; each is imported in a forked child with its
address space capped, so a crash, a hang or a runaway allocation shows as its own outcome.
"""

from __future__ import annotations

import pytest

from tests.frontend.onnx_fuzz import make_case, make_cases, run_cases
from tests.frontend.onnx_mutations import MUTATIONS, base_models

CASES = 400


def test_fuzzed_models_import_or_fail_with_one_sentence() -> None:
    summary = run_cases(make_cases(seed=13, count=CASES), jobs=1, timeout_s=20, memory_mb=1024)
    report = "\n".join(
        f"[{r.outcome}] case {r.case.index} ({r.case.base} + {', '.join(r.case.mutations)}): "
        f"{r.detail[:400]}"
        for r in summary.failures[:5]
    )
    assert not summary.failures, report
    assert summary.counts["accepted"] > 0 and summary.counts["clean error"] > 0


def test_cases_are_reproducible_and_cover_every_mutation() -> None:
    assert make_case(7, 3) == make_case(7, 3)
    seen = {m for case in make_cases(seed=13, count=CASES) for m in case.mutations}
    assert seen == set(MUTATIONS)
    assert {name for name, _ in base_models()} >= {"digits_cnn", "digits_mlp", "digits_rescnn"}


@pytest.mark.parametrize("limit", ["0", "-3", "many"])
def test_a_bad_size_limit_is_a_usage_error(monkeypatch, limit: str) -> None:
    from fpgaforge.errors import UsageError
    from fpgaforge.ir.limits import max_elements

    monkeypatch.setenv("FPGAFORGE_MAX_ELEMENTS", limit)
    with pytest.raises(UsageError, match="FPGAFORGE_MAX_ELEMENTS"):
        max_elements()


def test_folding_refuses_a_huge_constant_before_allocating(tmp_path, monkeypatch) -> None:
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    import fpgaforge
    from fpgaforge.errors import ShapeError

    shape = numpy_helper.from_array(np.array([4096, 4096], dtype=np.int64), "s")
    graph = helper.make_graph(
        [
            helper.make_node("ConstantOfShape", ["s"], ["c"], name="cos"),
            helper.make_node("Add", ["x", "c"], ["y"], name="add"),
        ],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4096])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4096, 4096])],
        initializer=[shape],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    path = tmp_path / "m.onnx"
    onnx.save(model, str(path))
    monkeypatch.setenv("FPGAFORGE_MAX_ELEMENTS", str(2**20))
    with pytest.raises(ShapeError) as info:
        fpgaforge.load(path)
    assert str(info.value).startswith(
        "Folding ConstantOfShape node 'cos' would create a constant of 16777216 elements"
    )
