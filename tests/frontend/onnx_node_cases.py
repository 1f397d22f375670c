"""Runs the ONNX package's own node test cases through fpgaforge.

Each case folder (`onnx/backend/test/data/node/<case>/`) holds a one-node
model and input/output protobufs. A case is *claimed* when every op type of
its graph is one fpgaforge imports. Claimed cases are skipped only for the
documented reasons in `SKIP_RULES` (decided from the case, never from how a
run went); every other claimed case must import, execute and match.
"""

from __future__ import annotations

import glob
import os
import re
from dataclasses import dataclass, field

import numpy as np
import onnx
from onnx import numpy_helper

import fpgaforge
from fpgaforge.errors import FpgaforgeError, NonConstantInputError
from fpgaforge.frontend.onnx.registry import CONVERTERS

# Folded at import (never an fpgaforge op) but importable.
FOLDED_ONLY = {"Constant", "Shape", "Size"}
# Handled by the importer itself rather than a converter (a Scan is unrolled).
INLINED = {"Scan"}

SKIP_RULES: list[tuple[str, str]] = [
    (
        r"e4m3|e5m2|float4e2m1|float8|_int4$|_uint4$|_int2$|_uint2$|bfloat16",
        "8/4/2-bit float or sub-byte ONNX dtypes have no numpy type",
    ),
    (r"training", "training-mode BatchNormalization/Dropout: fpgaforge imports inference graphs"),
    (r"_to_sequence|sequence", "sequence types are not tensors"),
    (r"^test_scan_sum$", "the opset-8 Scan (with a batch axis): fpgaforge reads opsets 9 to 21"),
    (
        r"with_argmax",
        "MaxPool's argmax Indices output (used for unpooling in training) is not supported",
    ),
]


@dataclass
class CaseResult:
    name: str
    status: str  # "pass", "fail", "skip"
    reason: str = ""


@dataclass
class Report:
    results: list[CaseResult] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def pass_rate(self) -> float:
        ran = self.count("pass") + self.count("fail")
        return self.count("pass") / ran if ran else 0.0

    def summary(self) -> str:
        lines = [
            f"ONNX node conformance: {len(self.results)} claimed cases, {self.count('pass')} passed, "
            f"{self.count('fail')} failed, {self.count('skip')} skipped; pass rate {self.pass_rate:.2%} of cases run",
        ]
        for status in ("skip", "fail"):
            for r in self.results:
                if r.status == status:
                    lines.append(f"  {status}: {r.name}: {r.reason}")
        return "\n".join(lines)


def node_data_dir() -> str:
    import onnx.backend.test

    return os.path.join(os.path.dirname(onnx.backend.test.__file__), "data", "node")


def claimed_op_types() -> set[str]:
    return {op for domain, op in CONVERTERS if domain == ""} | FOLDED_ONLY | INLINED


def _skip_reason(name: str, model: onnx.ModelProto) -> str | None:
    for pattern, reason in SKIP_RULES:
        if reason and re.search(pattern, name):
            return reason
    for value in list(model.graph.input) + list(model.graph.output):
        if not value.type.HasField("tensor_type"):
            return "non-tensor (sequence/optional) inputs or outputs"
        elem = value.type.tensor_type.elem_type
        try:
            dtype = onnx.helper.tensor_dtype_to_np_dtype(elem)
        except Exception:
            return f"ONNX dtype {elem} has no numpy type"
        if dtype.kind in "OSUV" or dtype.name in ("bfloat16",) or dtype.itemsize == 0:
            return f"{dtype} tensors are not numeric"
        if (
            dtype.names is not None
            or "float8" in str(dtype)
            or "int4" in str(dtype)
            or "float4" in str(dtype)
        ):
            return f"{dtype} has no native numpy type"
    return None


def _read_tensors(folder: str, prefix: str) -> list[np.ndarray]:
    tensors = []
    for path in sorted(
        glob.glob(os.path.join(folder, f"{prefix}_*.pb")),
        key=lambda p: int(p.rsplit("_", 1)[1][:-3]),
    ):
        proto = onnx.TensorProto()
        with open(path, "rb") as f:
            proto.ParseFromString(f.read())
        tensors.append(numpy_helper.to_array(proto))
    return tensors


def _as_initializers(
    model: onnx.ModelProto, arrays: dict[str, np.ndarray], keep: str
) -> onnx.ModelProto:
    """Copy of `model` where every graph input but `keep` becomes an initializer."""
    model = onnx.ModelProto.FromString(model.SerializeToString())
    for value in model.graph.input:
        if value.name != keep and value.name in arrays:
            model.graph.initializer.append(numpy_helper.from_array(arrays[value.name], value.name))
    return model


def run_case(folder: str) -> CaseResult:
    name = os.path.basename(folder)
    model = onnx.load(os.path.join(folder, "model.onnx"))
    reason = _skip_reason(name, model)
    if reason:
        return CaseResult(name, "skip", reason)
    data_sets = sorted(glob.glob(os.path.join(folder, "test_data_set_*")))
    if not data_sets:
        return CaseResult(name, "skip", "no test data")
    try:
        for data_set in data_sets:
            inputs = _read_tensors(data_set, "input")
            expected = _read_tensors(data_set, "output")
            names = [v.name for v in model.graph.input]
            arrays = dict(zip(names, inputs, strict=False))
            shapes = {n: a.shape for n, a in arrays.items()}
            try:
                graph = fpgaforge.load(model, input_shapes=shapes)
                feeds = {v.name: arrays[v.name] for v in graph.inputs}
            except NonConstantInputError:
                keep = names[0]
                graph = fpgaforge.load(
                    _as_initializers(model, arrays, keep), input_shapes={keep: shapes[keep]}
                )
                feeds = {v.name: arrays[v.name] for v in graph.inputs}
            outputs = fpgaforge.execute(graph, feeds)
            got = [outputs[v.name] for v in graph.outputs]
            for i, (g, e) in enumerate(zip(got, expected, strict=True)):
                g = np.asarray(g)
                if g.shape != e.shape:
                    return CaseResult(
                        name, "fail", f"output {i} has shape {g.shape}, expected {e.shape}"
                    )
                if e.dtype.kind in "fc":
                    if not np.allclose(
                        g.astype(np.float64),
                        e.astype(np.float64),
                        rtol=1e-3,
                        atol=1e-5,
                        equal_nan=True,
                    ):
                        err = np.nanmax(np.abs(g.astype(np.float64) - e.astype(np.float64)))
                        return CaseResult(name, "fail", f"output {i} differs by up to {err:.3g}")
                elif not np.array_equal(g, e):
                    return CaseResult(name, "fail", f"output {i} differs (integer/bool)")
    except FpgaforgeError as exc:
        return CaseResult(name, "fail", f"{type(exc).__name__}: {exc}")
    except Exception as exc:  # a crash is a failure with its cause
        return CaseResult(name, "fail", f"crash {type(exc).__name__}: {exc}")
    return CaseResult(name, "pass")


def claimed_cases() -> list[str]:
    claimed = claimed_op_types()
    folders = []
    for folder in sorted(glob.glob(os.path.join(node_data_dir(), "test_*"))):
        model = onnx.load(os.path.join(folder, "model.onnx"), load_external_data=False)
        ops = {n.op_type for n in model.graph.node if n.domain in ("", "ai.onnx")}
        if ops and ops <= claimed and all(n.domain in ("", "ai.onnx") for n in model.graph.node):
            folders.append(folder)
    return folders


def run_all() -> Report:
    report = Report()
    for folder in claimed_cases():
        report.results.append(run_case(folder))
    return report


if __name__ == "__main__":
    print(run_all().summary())
