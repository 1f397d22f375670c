"""Checks an ONNX model passes before the importer builds anything from it.

- `check_names`: every name (nodes, tensors, op types, domains) is UTF-8 text without
  control characters and of a sane length; a hostile or undecodable name is refused with
  the place it was found.
- `load_external_data`: tensors whose data lives in an external file are read from a
  regular file inside the model's folder only, within the file's size and the size limit.
- `check_fold_size`: the output size of a node about to be constant-folded, computed from
  its constant inputs before `onnx.reference` allocates it (`fpgaforge.ir.limits`).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import onnx

from fpgaforge.errors import ModelLoadError, ShapeError, cut
from fpgaforge.ir.limits import ENV, check_shape, elements, max_elements

MAX_NAME_LENGTH = 4096


def _graphs(
    graph: onnx.GraphProto, where: str = "the graph"
) -> Iterator[tuple[onnx.GraphProto, str]]:
    yield graph, where
    for node in graph.node:
        for attr in node.attribute:
            if attr.type == onnx.AttributeProto.GRAPH:
                yield from _graphs(attr.g, f"subgraph {attr.name} of node {cut(node.name)}")
            elif attr.type == onnx.AttributeProto.GRAPHS:
                for sub in attr.graphs:
                    yield from _graphs(sub, f"a subgraph of node {cut(node.name)}")


def _check(name: object, what: str) -> None:
    if isinstance(name, bytes):
        raise ModelLoadError(
            f"The {what} {cut(name)} is not valid UTF-8 text; rename it in the model."
        )
    if not isinstance(name, str):
        return
    if len(name) > MAX_NAME_LENGTH:
        raise ModelLoadError(
            f"The {what} {cut(name)} is {len(name)} characters long, over {MAX_NAME_LENGTH}; "
            "rename it in the model."
        )
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise ModelLoadError(
            f"The {what} {cut(name)} holds control characters; rename it in the model."
        )


def check_names(proto: onnx.ModelProto) -> None:
    """Refuse names that are not UTF-8, hold control characters or are absurdly long."""
    for opset in proto.opset_import:
        _check(opset.domain, "opset domain")
    for graph, where in _graphs(proto.graph):
        _check(graph.name, f"name of {where}")
        for kind, infos in (
            ("input", graph.input),
            ("output", graph.output),
            ("value_info", graph.value_info),
        ):
            for info in infos:
                _check(info.name, f"{kind} name in {where}")
        for tensor in graph.initializer:
            _check(tensor.name, f"initializer name in {where}")
        for index, node in enumerate(graph.node):
            _check(node.name, f"name of node {index} in {where}")
            label = f"node {cut(node.name) if isinstance(node.name, str) else index}"
            _check(node.op_type, f"op_type of {label}")
            _check(node.domain, f"domain of {label}")
            for name in node.input:
                _check(name, f"input name of {label}")
            for name in node.output:
                _check(name, f"output name of {label}")
            for attr in node.attribute:
                _check(attr.name, f"attribute name of {label}")


def _external_tensors(proto: onnx.ModelProto) -> Iterator[onnx.TensorProto]:
    for graph, _ in _graphs(proto.graph):
        yield from graph.initializer
        for node in graph.node:
            for attr in node.attribute:
                if attr.type == onnx.AttributeProto.TENSOR:
                    yield attr.t
                elif attr.type == onnx.AttributeProto.TENSORS:
                    yield from attr.tensors


def has_external_data(proto: onnx.ModelProto) -> bool:
    return any(t.data_location == onnx.TensorProto.EXTERNAL for t in _external_tensors(proto))


def load_external_data(proto: onnx.ModelProto, folder: Path | None, model: str) -> None:
    """Read every tensor's external data into the model, from files inside `folder` only."""
    for tensor in _external_tensors(proto):
        if tensor.data_location != onnx.TensorProto.EXTERNAL:
            continue
        name = cut(tensor.name)
        info = {entry.key: entry.value for entry in tensor.external_data}
        location = info.get("location", "")
        if folder is None:
            raise ModelLoadError(
                f"Tensor {name} keeps its data in the external file {cut(location)}; "
                "load the model from its file so that file can be found."
            )
        if not location:
            raise ModelLoadError(
                f"Tensor {name} of '{model}' is stored externally but names no file; re-export the model."
            )
        rel = Path(location)
        if rel.is_absolute() or ".." in rel.parts:
            raise ModelLoadError(
                f"Tensor {name} of '{model}' refers to {cut(location)}, outside the model's folder; "
                "fpgaforge reads external data only from files next to the model."
            )
        path = folder / rel
        base = folder.resolve()
        if base not in path.resolve().parents or not path.is_file():
            raise ModelLoadError(
                f"Tensor {name} of '{model}' keeps its data in {cut(location)}, which is not a file "
                "in the model's folder; copy it next to the model."
            )
        try:
            offset = int(info.get("offset", 0))
            length = int(info["length"]) if "length" in info else None
        except ValueError:
            raise ModelLoadError(
                f"Tensor {name} of '{model}' has a non-integer external data offset or length; "
                "re-export the model."
            ) from None
        try:
            itemsize = onnx.helper.tensor_dtype_to_np_dtype(tensor.data_type).itemsize
        except (KeyError, ValueError, TypeError):
            raise ModelLoadError(
                f"Tensor {name} of '{model}' has the unknown data type {tensor.data_type}; re-export the model."
            ) from None
        check_shape(tensor.dims, f"Tensor {name}")
        expected = elements(tensor.dims) * itemsize
        size = path.stat().st_size
        if offset < 0 or (length is not None and length != expected) or offset + expected > size:
            raise ModelLoadError(
                f"Tensor {name} of '{model}' needs {expected} bytes at offset {offset} of "
                f"{cut(location)}, which holds {size}; the external data does not match the model."
            )
        with open(path, "rb") as handle:
            handle.seek(offset)
            tensor.raw_data = handle.read(expected)
        del tensor.external_data[:]
        tensor.data_location = onnx.TensorProto.DEFAULT


ELEMENTWISE = {
    "Add", "Sub", "Mul", "Div", "Pow", "Mod", "Where", "Max", "Min", "Mean", "Sum", "Equal",
    "Less", "LessOrEqual", "Greater", "GreaterOrEqual", "And", "Or", "Xor", "BitShift", "PRelu",
    "BitwiseAnd", "BitwiseOr", "BitwiseXor",
}  # fmt: skip


def _ints(array: np.ndarray | None) -> list[int]:
    if array is None:
        return []
    flat = np.asarray(array).reshape(-1)
    if flat.dtype.kind not in "iub":
        raise ValueError("not integers")
    return [int(v) for v in flat.tolist()]


def fold_size(node: onnx.NodeProto, arrays: list[np.ndarray | None]) -> int | None:
    """The element count of the largest output of `node` on `arrays`, for ops whose output
    can be far larger than their inputs; None when the op's output is bounded by its inputs."""
    op = node.op_type
    shapes = [None if a is None else tuple(np.shape(a)) for a in arrays]
    first = arrays[0] if arrays else None
    if op == "ConstantOfShape":
        return elements(max(d, 0) for d in _ints(first))
    if op == "Expand" and len(arrays) > 1 and first is not None:
        target = _ints(arrays[1])
        shape = list(shapes[0] or ())
        rank = max(len(target), len(shape))
        a = [1] * (rank - len(shape)) + shape
        b = [1] * (rank - len(target)) + target
        return elements(max(abs(x), abs(y)) for x, y in zip(a, b, strict=True))
    if op == "Tile" and len(arrays) > 1 and first is not None:
        reps = _ints(arrays[1])
        return elements(abs(d) * abs(r) for d, r in zip(shapes[0] or (), reps, strict=False))
    if op == "Range" and len(arrays) == 3 and all(a is not None for a in arrays):
        start, limit, delta = (float(np.asarray(a).reshape(-1)[0]) for a in arrays)
        if not all(math.isfinite(v) for v in (start, limit, delta)) or delta == 0:
            raise ShapeError(
                f"Range node {cut(node.name)} has a non-finite or zero start, limit or delta; "
                "the model is malformed."
            )
        return max(0, math.ceil((limit - start) / delta))
    if op == "OneHot" and len(arrays) > 1 and first is not None:
        return int(np.asarray(first).size) * max(
            1, abs(_ints(arrays[1])[0] if _ints(arrays[1]) else 1)
        )
    if op in ("Resize", "Upsample") and first is not None:
        sizes = arrays[3] if op == "Resize" and len(arrays) > 3 else None
        if sizes is not None and np.size(sizes):
            return elements(abs(v) for v in _ints(sizes))
        scales = (
            arrays[2]
            if op == "Resize" and len(arrays) > 2
            else (arrays[1] if len(arrays) > 1 else None)
        )
        if scales is None or not np.size(scales):
            return None
        factors = np.asarray(scales, dtype=np.float64).reshape(-1)
        if not np.all(np.isfinite(factors)):
            raise ShapeError(
                f"{op} node {cut(node.name)} has non-finite scales; the model is malformed."
            )
        dims = shapes[0] or ()
        return elements(math.floor(abs(d * f)) for d, f in zip(dims, factors, strict=False))
    if op == "Pad" and first is not None:
        pads = _ints(arrays[1]) if len(arrays) > 1 and arrays[1] is not None else []
        dims = list(shapes[0] or ())
        if len(pads) == 2 * len(dims):
            return elements(max(0, d + pads[i] + pads[i + len(dims)]) for i, d in enumerate(dims))
        return None
    if op in ELEMENTWISE:
        present = [s for s in shapes if s is not None]
        rank = max((len(s) for s in present), default=0)
        padded = [(1,) * (rank - len(s)) + s for s in present]
        return elements(max(col) for col in zip(*padded, strict=True)) if padded else None
    if op in ("MatMul", "Gemm") and len(shapes) > 1 and shapes[0] and shapes[1]:
        a, b = shapes[0], shapes[1]
        batch = elements(max(x, y) for x, y in zip(a[:-2], b[:-2], strict=False))
        return batch * a[-2 if len(a) > 1 else 0] * b[-1]
    return None


def check_fold_size(node: onnx.NodeProto, name: str, arrays: list[np.ndarray | None]) -> None:
    """Refuse to constant-fold `node` when its output would be above the size limit."""
    try:
        count = fold_size(node, arrays)
    except (ValueError, TypeError, IndexError, OverflowError):
        return  # unreadable inputs: the folding itself reports them
    limit = max_elements()
    if count is not None and count > limit:
        raise ShapeError(
            f"Folding {node.op_type} node {cut(name)} would create a constant of {count} elements, "
            f"above the limit of {limit}; check the model's shapes or raise {ENV}."
        )
