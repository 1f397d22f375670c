"""`load`: read an ONNX model and lower it to an fpgaforge Graph (float)."""

from __future__ import annotations

import heapq
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import onnx
from google.protobuf.message import DecodeError
from onnx import numpy_helper

from fpgaforge.errors import (
    DynamicShapeError,
    FpgaforgeError,
    ModelLoadError,
    ShapeError,
    UnsupportedOpError,
    cut,
)
from fpgaforge.frontend.canonicalize import canonicalize
from fpgaforge.frontend.onnx import converters  # noqa: F401  (registers converters)
from fpgaforge.frontend.onnx.context import ImportContext
from fpgaforge.frontend.onnx.folding import NEVER_FOLDED, NON_FOLDABLE, fold_node
from fpgaforge.frontend.onnx.registry import QONNX_DOMAINS, find, supported_op_types
from fpgaforge.frontend.onnx.sanity import check_fold_size, check_names, load_external_data
from fpgaforge.frontend.onnx.scan import inline_scan
from fpgaforge.frontend.rules.mamba1 import mamba1_update
from fpgaforge.ir.graph import Graph
from fpgaforge.ir.limits import check_shape
from fpgaforge.ir.value import Value, constant

MIN_OPSET = 9
KNOWN_DTYPES = frozenset(v for k, v in onnx.TensorProto.DataType.items() if k != "UNDEFINED")
InputShapes = Mapping[str, Sequence[int]]


def read_model(model: str | os.PathLike | onnx.ModelProto | bytes) -> onnx.ModelProto:
    """Read an ONNX model from a path, bytes or a ModelProto, with clear errors."""
    if isinstance(model, onnx.ModelProto):
        check_names(model)
        load_external_data(model, None, "the model")
        return model
    if isinstance(model, bytes):
        try:
            proto = onnx.ModelProto()
            proto.ParseFromString(model)
        except DecodeError as exc:
            raise ModelLoadError(
                f"The bytes given are not a valid ONNX model ({exc}); re-export the model."
            ) from None
        check_names(proto)
        load_external_data(proto, None, "the model")
        return proto
    path = Path(model)
    if not path.exists():
        raise ModelLoadError(f"Model file '{path}' does not exist; check the path.")
    if path.is_dir():
        raise ModelLoadError(f"'{path}' is a folder, not an ONNX model file.")
    try:
        proto = onnx.load(str(path), load_external_data=False)
    except OSError as exc:
        raise ModelLoadError(
            f"Model file '{path}' cannot be read ({exc.strerror or exc}); check the path and its permissions."
        ) from None
    except Exception as exc:  # the protobuf parser's many ways of saying "corrupt"
        reason = str(exc).strip().splitlines()[0][:120] if str(exc).strip() else type(exc).__name__
        raise ModelLoadError(
            f"Model file '{path}' is not a readable ONNX model (truncated or corrupt: {reason}); re-export it."
        ) from None
    if not proto.graph.node and not proto.graph.output:
        raise ModelLoadError(
            f"Model file '{path}' holds no ONNX graph (empty or not an ONNX file); re-export it."
        )
    check_names(proto)
    load_external_data(proto, path.parent, str(path))
    return proto


def load(
    model: str | os.PathLike | onnx.ModelProto | bytes,
    input_shapes: InputShapes | None = None,
    *,
    name: str | None = None,
    fold_batchnorm: bool = True,
) -> Graph:
    """Import an ONNX model (opset 9–21; QONNX and QDQ annotations kept) as a float Graph.

    `input_shapes` binds dynamic dimensions, e.g. ``{"x": (1, 3, 224, 224)}``.
    A symbolic batch dimension (dimension 0) that is not bound becomes 1 in
    the static shapes; `execute` still runs any batch size. With
    `fold_batchnorm=False`, BatchNormalization stays an `Affine` op.
    """
    proto = read_model(model)
    if name is None and isinstance(model, (str, os.PathLike)):
        name = Path(model).stem
    importer = _Importer(proto, dict(input_shapes or {}), name)
    graph = importer.run()
    canonicalize(graph, fold_batchnorm=fold_batchnorm)
    _refuse_mamba1(graph)
    graph.validate()
    return graph


def _refuse_mamba1(graph: Graph) -> None:
    found = mamba1_update(graph)
    if found is not None:
        node, a = found
        source = node.source
        raise UnsupportedOpError(
            source.name if source is not None else node.name,
            source.op_type if source is not None else node.op,
            graph.metadata.get("onnx_opset"),
            f"it is the state update of a Mamba-1 selective scan (A of shape {a}, one row per "
            "channel); Mamba-1 is not supported: fpgaforge imports Mamba-2 blocks (one A per "
            "head, B and C per group of heads), whose decode step or scan maps to SSMStep or SSMScan",
        )


class _Importer:
    def __init__(
        self, proto: onnx.ModelProto, input_shapes: dict[str, Sequence[int]], name: str | None
    ) -> None:
        self.proto = proto
        self.input_shapes = input_shapes
        self.opsets = {imp.domain or "": imp.version for imp in proto.opset_import}
        self.opset = self.opsets.get("", self.opsets.get("ai.onnx", 0))
        graph_name = name or proto.graph.name or "model"
        self.graph = Graph(graph_name)
        self.env: dict[str, Value | None] = {}
        self.unavailable: dict[str, str] = {}
        """ONNX outputs a converter could not provide (e.g. Dropout's mask) → why."""

    def run(self) -> Graph:
        self._check_opset()
        self._load_initializers()
        self._load_inputs()
        ctx = ImportContext(self.graph, self.opset, self.opsets)
        for index, node in enumerate(_topological(self.proto.graph)):
            self._import_node(ctx, node, index)
        outputs = []
        for out in self.proto.graph.output:
            if out.name in self.unavailable:
                raise ModelLoadError(
                    f"Graph output {out.name!r} is {self.unavailable[out.name]}; remove it from the model's outputs."
                )
            value = self.env.get(out.name)
            if value is None:
                raise ModelLoadError(
                    f"Graph output {out.name!r} is not produced by any node; the model is malformed."
                )
            outputs.append(self._named_output(out.name, value, outputs))
        self.graph.outputs = outputs
        self.graph.metadata["onnx_opset"] = self.opset
        self.graph.metadata["producer"] = (
            f"{self.proto.producer_name} {self.proto.producer_version}".strip()
        )
        return self.graph

    def _named_output(self, name: str, value: Value, taken: list[Value]) -> Value:
        """`value` under the graph output's ONNX name: converters that drop an Identity,
        a Dropout or an identity Transpose hand back their input, whose name is renamed;
        a graph input, a constant or a value already given out gets a copy (a Reshape to
        its own shape, which costs no hardware)."""
        if value.name == name:
            return value
        if value.producer is None or value in taken:
            copy = self.graph.add_node(
                "Reshape",
                [value],
                name=name,
                attrs={"shape": tuple(value.shape)},
                output_names=[name],
            )
            return copy.outputs[0]
        self.graph.rename_value(value, name)
        return value

    def _check_opset(self) -> None:
        if not self.proto.graph.node and not self.proto.graph.output:
            raise ModelLoadError("The ONNX model holds no graph; re-export it.")
        if self.opset and self.opset < MIN_OPSET:
            raise ModelLoadError(
                f"The model uses ONNX opset {self.opset}; fpgaforge reads opsets {MIN_OPSET} to 21. "
                f"Convert it with onnx.version_converter.convert_version(model, 13)."
            )
        newest = onnx.defs.onnx_opset_version()
        if self.opset > newest:
            raise ModelLoadError(
                f"The model uses ONNX opset {self.opset}, newer than this onnx package knows ({newest}); "
                f"export it with opset 21 or older."
            )

    def _load_initializers(self) -> None:
        for tensor in self.proto.graph.initializer:
            check_shape(tensor.dims, f"Initializer {cut(tensor.name)}")
            if tensor.data_type not in KNOWN_DTYPES:
                raise ModelLoadError(
                    f"Initializer {cut(tensor.name)} has the unknown data type {tensor.data_type}; re-export the model."
                )
            try:
                array = numpy_helper.to_array(tensor, base_dir="")
            except Exception as exc:  # sizes that do not match, undecodable data
                raise ModelLoadError(
                    f"Initializer {tensor.name!r} cannot be read ({exc}); re-export the model."
                ) from None
            self.env[tensor.name] = constant(self.graph.unique_name(tensor.name), array)
        for tensor in self.proto.graph.sparse_initializer:
            raise ModelLoadError(
                f"Sparse initializer {tensor.values.name!r} is not supported; densify the model."
            )

    def _load_inputs(self) -> None:
        for info in self.proto.graph.input:
            if info.name in self.env:  # older exports list initializers as inputs too
                continue
            shape = self._input_shape(info)
            elem = info.type.tensor_type.elem_type
            try:
                dtype = onnx.helper.tensor_dtype_to_np_dtype(elem) if elem else np.dtype(np.float32)
            except (KeyError, ValueError, TypeError):
                raise ModelLoadError(
                    f"Input {cut(info.name)} has the unknown element type {elem}; re-export the model."
                ) from None
            self.env[info.name] = self.graph.add_input(info.name, shape, dtype)
        unknown = set(self.input_shapes) - {i.name for i in self.graph.inputs}
        if unknown:
            names = ", ".join(v.name for v in self.graph.inputs)
            raise DynamicShapeError(
                f"input_shapes names {', '.join(sorted(unknown))}, which the model does not have; its inputs are {names}."
            )

    def _input_shape(self, info: onnx.ValueInfoProto) -> tuple[int, ...]:
        tensor_type = info.type.tensor_type
        bound = self.input_shapes.get(info.name)
        if not tensor_type.HasField("shape"):
            if bound is None:
                raise DynamicShapeError(
                    f"Input {info.name!r} has no shape in the model; give it with input_shapes={{'{info.name}': (...)}} "
                    f"or --input-shape {info.name}=1x..."
                )
            return tuple(int(d) for d in bound)
        dims = tensor_type.shape.dim
        if bound is not None:
            bound = tuple(int(d) for d in bound)
            if len(bound) != len(dims):
                raise DynamicShapeError(
                    f"Input {info.name!r} has rank {len(dims)}, but input_shapes gives {len(bound)} dimensions {bound}."
                )
            for axis, (dim, size) in enumerate(zip(dims, bound, strict=True)):
                if dim.HasField("dim_value") and dim.dim_value != size and not (axis == 0):
                    raise DynamicShapeError(
                        f"Input {info.name!r} has static size {dim.dim_value} at axis {axis}, but input_shapes gives {size}."
                    )
                if size < 0:
                    raise DynamicShapeError(
                        f"input_shapes gives size {size} for axis {axis} of {info.name!r}; sizes cannot be negative."
                    )
            return bound
        shape = []
        for axis, dim in enumerate(dims):
            if dim.HasField("dim_value") and dim.dim_value > 0:
                shape.append(int(dim.dim_value))
            elif axis == 0:
                shape.append(1)  # a free batch dimension: static 1, any batch at execution
            else:
                label = dim.dim_param or "?"
                example = "x".join(
                    ["1"]
                    + ["N" if i == axis else str(d.dim_value or "N") for i, d in enumerate(dims)][
                        1:
                    ]
                )
                raise DynamicShapeError(
                    f"Input {info.name!r} has an unbound dynamic dimension {label!r} at axis {axis}; bind it with "
                    f"input_shapes={{'{info.name}': (...)}} or --input-shape {info.name}={example} (N = the size you deploy)."
                )
        return tuple(shape)

    def _import_node(self, ctx: ImportContext, node: onnx.NodeProto, index: int) -> None:
        name = node.name or f"{node.op_type}_{index}"
        inputs: list[Value | None] = []
        for input_name in node.input:
            if not input_name:
                inputs.append(None)
                continue
            if input_name in self.unavailable:
                raise UnsupportedOpError(
                    name,
                    node.op_type,
                    self.opset,
                    f"it reads {input_name!r}, {self.unavailable[input_name]}",
                )
            if input_name not in self.env:
                raise ModelLoadError(
                    f"Node {name!r} ({node.op_type}) reads {input_name!r}, which no node, input or initializer defines; "
                    f"the model is malformed."
                )
            inputs.append(self.env[input_name])
        domain = node.domain if node.domain != "ai.onnx" else ""
        if domain == "" and node.op_type == "If":
            self._inline_if(ctx, node, name, inputs)
            return
        if domain == "" and node.op_type == "Scan":
            body = lambda model: load(model, name=f"{name}_body")  # noqa: E731
            inline_scan(ctx, node, name, inputs, self.env, body)
            return
        fold = (
            domain == ""
            and node.op_type not in NON_FOLDABLE
            and node.op_type not in NEVER_FOLDED
            and all(v is None or v.is_constant for v in inputs)
            and (inputs or node.op_type in ("Constant", "ConstantOfShape", "Range", "EyeLike"))
        )
        if fold or (domain == "" and node.op_type == "Constant"):
            self._fold(node, name, inputs)
            return
        if domain == "" and node.op_type in ("Shape", "Size") and inputs and inputs[0] is not None:
            self._fold_shape(node, name, inputs[0])
            return
        convert = find(domain, node.op_type)
        if convert is None:
            opset = self.opsets.get(domain, self.opset) if domain else self.opset
            known = "" if domain in ("",) or domain in QONNX_DOMAINS else f" in domain {domain!r}"
            raise UnsupportedOpError(
                name,
                node.op_type if not known else f"{domain}.{node.op_type}",
                opset,
                f"fpgaforge cannot import this op{known}",
                supported_op_types(),
            )
        ctx.begin(node, name, inputs)
        try:
            results = convert(ctx)
        except FpgaforgeError:
            raise
        except (ValueError, TypeError, IndexError, KeyError) as exc:
            raise ctx.unsupported(f"its attributes or inputs could not be read ({exc})") from None
        for output_name, value in zip(node.output, results, strict=False):
            if not output_name:
                continue
            if value is None:
                self.unavailable[output_name] = (
                    f"an output of {node.op_type} node {name!r} that fpgaforge does not compute"
                )
                continue
            if (
                value is not None
                and value.producer is not None
                and value.producer.source is not None
                and value.producer.source.name == name
                and value.name != output_name
                and output_name not in {v.name for v in self.graph.inputs}
            ):
                self.graph.rename_value(value, output_name)
            self.env[output_name] = value

    def _inline_if(
        self, ctx: ImportContext, node: onnx.NodeProto, name: str, inputs: list[Value | None]
    ) -> None:
        """Import the branch an `If` with a constant condition takes, in place of the `If`.

        Older exports guard shape manipulations (e.g. torch's `squeeze(dim)` at
        opset 11+) with an `If` whose condition is shape arithmetic; once the
        shapes fold, the taken branch is ordinary graph content that may read
        outer-scope values.
        """
        cond = inputs[0] if inputs else None
        if cond is None or cond.const is None:
            raise UnsupportedOpError(
                name,
                node.op_type,
                self.opset,
                "its condition is computed at run time; only an If whose condition folds to a constant is supported",
            )
        taken = "then_branch" if bool(np.asarray(cond.const).reshape(-1)[0]) else "else_branch"
        branch = next((a.g for a in node.attribute if a.name == taken and a.type == a.GRAPH), None)
        if branch is None:
            raise ModelLoadError(
                f"If node {cut(name)} has no {taken} attribute; the model is malformed."
            )
        for tensor in branch.initializer:
            check_shape(tensor.dims, f"Initializer {cut(tensor.name)}")
            try:
                array = numpy_helper.to_array(tensor, base_dir="")
            except Exception as exc:
                raise ModelLoadError(
                    f"Initializer {cut(tensor.name)} of If node {cut(name)} cannot be read ({exc}); re-export the model."
                ) from None
            self.env[tensor.name] = constant(self.graph.unique_name(tensor.name), array)
        existing = {id(n) for n in self.graph.nodes}
        for index, inner in enumerate(_topological(branch)):
            self._import_node(ctx, inner, index)
        if len(branch.output) != len(node.output):
            raise ModelLoadError(
                f"If node {name!r} has {len(node.output)} outputs but its {taken} yields {len(branch.output)}; the model is malformed."
            )
        for outer, inner in zip(node.output, branch.output, strict=True):
            if not outer:
                continue
            if inner.name in self.unavailable:
                self.unavailable[outer] = self.unavailable[inner.name]
                continue
            if inner.name not in self.env:
                raise ModelLoadError(
                    f"The {taken} of If node {name!r} does not produce its output {inner.name!r}; the model is malformed."
                )
            value = self.env[inner.name]
            if (
                value is not None
                and value.producer is not None
                and id(value.producer) not in existing
                and value not in self.graph.outputs
            ):
                self.graph.rename_value(value, outer)  # the name the model's users know
            self.env[outer] = value

    def _fold(self, node: onnx.NodeProto, name: str, inputs: list[Value | None]) -> None:
        arrays = [None if v is None else v.const for v in inputs]
        check_fold_size(node, name, arrays)
        try:
            results = fold_node(node, arrays, self.opsets)
        except MemoryError:
            raise ShapeError(
                f"Folding {node.op_type} node {cut(name)} ran out of memory; check the model's shapes."
            ) from None
        except Exception as exc:  # onnx.reference raises many kinds
            reason = (
                str(exc).strip().splitlines()[0][:160] if str(exc).strip() else type(exc).__name__
            )
            raise UnsupportedOpError(
                name, node.op_type, self.opset, f"constant folding failed ({reason})"
            ) from None
        for output_name, array in zip(node.output, results, strict=False):
            if output_name:
                check_shape(np.shape(array), f"Output {cut(output_name)} of node {cut(name)}")
                self.env[output_name] = constant(self.graph.unique_name(output_name), array)

    def _fold_shape(self, node: onnx.NodeProto, name: str, value: Value) -> None:
        if node.op_type == "Size":
            result = np.array(value.size, dtype=np.int64)
        else:
            start, end = 0, None
            for attr in node.attribute:
                if attr.name == "start":
                    start = attr.i
                elif attr.name == "end":
                    end = attr.i
            result = np.array(value.shape[slice(start, end)], dtype=np.int64)
        self.env[node.output[0]] = constant(self.graph.unique_name(node.output[0]), result)


def _topological(graph: onnx.GraphProto) -> list[onnx.NodeProto]:
    """ONNX nodes with producers first (Kahn's algorithm; stable for sorted models)."""
    produced: dict[str, int] = {}
    for i, node in enumerate(graph.node):
        for out in node.output:
            if out:
                produced[out] = i
    waiting = [0] * len(graph.node)
    consumers: dict[int, list[int]] = {}
    for i, node in enumerate(graph.node):
        preds = {produced[name] for name in node.input if name in produced and produced[name] != i}
        waiting[i] = len(preds)
        for p in preds:
            consumers.setdefault(p, []).append(i)
    ready = [i for i, n in enumerate(waiting) if n == 0]
    order: list[onnx.NodeProto] = []
    heapq.heapify(ready)
    while ready:
        i = heapq.heappop(ready)
        order.append(graph.node[i])
        for j in consumers.get(i, []):
            waiting[j] -= 1
            if waiting[j] == 0:
                heapq.heappush(ready, j)
    if len(order) != len(graph.node):
        stuck = next(graph.node[i] for i, n in enumerate(waiting) if n > 0)
        raise ModelLoadError(
            f"The ONNX graph has a cycle through node {stuck.name!r} ({stuck.op_type}); the model is malformed."
        )
    return order
