"""The reference executor: runs a Graph on numpy arrays, op by op.

It is the living definition of every op: `execute` calls each op's
`compute` from the registry, in topological order, on whole batches.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from fpgaforge.errors import FeedError, FpgaforgeError, ShapeError
from fpgaforge.ir.codes import storage_dtype, widen
from fpgaforge.ir.context import CURRENT_OVERFLOW
from fpgaforge.ir.graph import Graph
from fpgaforge.ir.node import Node
from fpgaforge.ir.ops import registry
from fpgaforge.ir.ops.intmac import reference_mode
from fpgaforge.ir.value import Value
from fpgaforge.numerics.fixed import to_float
from fpgaforge.numerics.stats import OverflowStats


def execute(
    graph: Graph,
    feeds: Mapping[str, np.ndarray],
    *,
    outputs: Sequence[str] | None = None,
    as_codes: bool = False,
    overflow: dict[str, OverflowStats] | None = None,
    observe: Callable[[Value, np.ndarray], None] | None = None,
) -> dict[str, np.ndarray]:
    """Run `graph` on `feeds` (input name → array) and return its outputs by name.

    Dimension 0 of each input is the batch; any batch size works. Graphs whose
    ops mix samples across dimension 0 run in chunks of the static batch.
    `outputs` may name any values of the graph (default: the graph outputs).

    Quantized graphs run bit-exactly on integer codes. Their quantized outputs come
    back as real values (float64, `code × lsb`) or, with `as_codes=True`, as the
    integer codes. Pass a dict as `overflow` to receive, per tensor, how many values
    saturated or wrapped in the casts that produced it. `observe(value, array)` is called
    on every node output as it is computed (before unneeded values are freed), so a caller
    can gather statistics without keeping the intermediates.
    """
    arrays = _check_feeds(graph, feeds)
    wanted = _wanted_values(graph, outputs)
    run = functools.partial(
        _run, graph, wanted=wanted, as_codes=as_codes, overflow=overflow, observe=observe
    )
    if all(tuple(arrays[v.name].shape) == tuple(v.shape) for v in graph.inputs):
        return run(arrays)
    batch = _batch_of(graph, arrays)
    static = graph.static_batch
    if _batch_safe(graph):
        return run(arrays)
    if static > 0 and batch % static == 0:
        pieces = [
            run({k: v[i : i + static] for k, v in arrays.items()}) for i in range(0, batch, static)
        ]
        return {k: np.concatenate([p[k] for p in pieces], axis=0) for k in pieces[0]}
    raise FeedError(
        f"The graph {graph.name!r} mixes samples across dimension 0, so it runs only on batches "
        f"that are a multiple of {static}; got batch {batch}. Re-import with that batch size bound."
    )


def _check_feeds(graph: Graph, feeds: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    known = {v.name: v for v in graph.inputs}
    described = ", ".join(f"{v.name} ({v.shape_str()})" for v in graph.inputs)
    for name in feeds:
        if name not in known:
            raise FeedError(
                f"Feed {name!r} is not an input of graph {graph.name!r}; its inputs are {described}."
            )
    arrays: dict[str, np.ndarray] = {}
    for value in graph.inputs:
        if value.name not in feeds:
            raise FeedError(
                f"Missing feed for input {value.name!r} of graph {graph.name!r}; its inputs are {described}."
            )
        array = np.asarray(feeds[value.name])
        expected = value.shape
        ok = array.ndim == len(expected) and tuple(array.shape[1:]) == tuple(expected[1:])
        if not ok:
            want = "Nx" + "x".join(str(d) for d in expected[1:]) if expected else "scalar"
            got = "x".join(str(d) for d in array.shape) or "scalar"
            raise FeedError(
                f"Feed {value.name!r} has shape {got}, but the graph expects {want} (N = any batch size)."
            )
        if isinstance(value.dtype, np.dtype) and array.dtype != value.dtype:
            if array.dtype.kind != value.dtype.kind and not (
                array.dtype.kind in "iu" and value.dtype.kind in "iu"
            ):
                raise FeedError(
                    f"Feed {value.name!r} has dtype {array.dtype.name}, but the graph expects {value.dtype.name}."
                )
            array = array.astype(value.dtype)
        arrays[value.name] = array
    return arrays


def _wanted_values(graph: Graph, outputs: Sequence[str] | None) -> list[Value]:
    if outputs is None:
        return list(graph.outputs)
    return [graph.find_value(name) for name in outputs]


def _batch_of(graph: Graph, arrays: dict[str, np.ndarray]) -> int:
    static = {v.shape[0] for v in graph.inputs if v.rank > 0}
    batches = {arrays[v.name].shape[0] for v in graph.inputs if v.rank > 0}
    if len(static) > 1 or len(batches) > 1:
        raise FeedError(
            f"Feeds of graph {graph.name!r} must keep the imported shapes exactly, or all share one new batch size "
            f"in dimension 0; got dimension-0 sizes {sorted(batches)}."
        )
    return batches.pop() if batches else graph.static_batch


def batch_mixing_node(graph: Graph) -> Node | None:
    """The first node that mixes samples across dimension 0 (a Reshape or Transpose that
    moves it, attention over it, ...), or None when every node treats dimension 0 as a
    batch of independent samples."""
    for node in graph.nodes:
        if any(v is not None and not v.is_constant for v in node.inputs) and not registry.get(
            node.op
        ).batch_safe(node):
            return node
    return None


def _batch_safe(graph: Graph) -> bool:
    cached = graph.metadata.get("_batch_safe")
    if cached is not None and cached[0] == len(graph.nodes):
        return cached[1]
    safe = batch_mixing_node(graph) is None and all(v.rank >= 1 for v in graph.inputs)
    graph.metadata["_batch_safe"] = (len(graph.nodes), safe)
    return safe


def _is_quantized(node) -> bool:
    return any(not isinstance(v.dtype, np.dtype) for v in node.outputs)


def _run(
    graph: Graph,
    arrays: dict[str, np.ndarray],
    *,
    wanted: list[Value],
    as_codes: bool,
    overflow: dict[str, OverflowStats] | None,
    observe: Callable[[Value, np.ndarray], None] | None = None,
) -> dict[str, np.ndarray]:
    env: dict[int, np.ndarray] = {id(v): arrays[v.name] for v in graph.inputs}
    narrow = not reference_mode()  # codes in their storage dtypes (fpgaforge.ir.codes)
    wanted_ids = {id(v) for v in wanted}
    last_use: dict[int, int] = {}
    for index, node in enumerate(graph.nodes):
        for value in node.inputs:
            if value is not None:
                last_use[id(value)] = index
    for index, node in enumerate(graph.nodes):
        args = []
        for value in node.inputs:
            if value is None:
                args.append(None)
            elif value.const is not None:
                args.append(value.const)
            else:
                args.append(env[id(value)])
        definition = registry.get(node.op)
        quantized = _is_quantized(node)
        keeps_narrow = narrow and quantized and definition.narrow_codes
        if narrow and not keeps_narrow:
            args = [
                widen(a) if a is not None and storage_dtype(v.dtype) is not None else a
                for a, v in zip(args, node.inputs, strict=True)
            ]
        try:
            if quantized:
                stats = None
                if overflow is not None:
                    stats = overflow.setdefault(node.outputs[0].name, OverflowStats())
                token = CURRENT_OVERFLOW.set(stats)
                try:
                    results = definition.compute_int(node, *args)
                finally:
                    CURRENT_OVERFLOW.reset(token)
            else:
                results = definition.compute(node, *args)
        except FpgaforgeError:
            raise
        except (ValueError, IndexError, TypeError) as exc:
            raise ShapeError(f"Executing {node.where()} failed: {exc}.") from exc
        for value, result in zip(node.outputs, results, strict=True):
            array = np.asarray(result)
            if keeps_narrow:
                storage = storage_dtype(value.dtype)
                if storage is not None and array.dtype.kind == "i" and array.dtype != storage:
                    array = array.astype(storage)
            env[id(value)] = array
            if observe is not None:
                observe(value, widen(array) if keeps_narrow else array)
        for value in node.inputs:
            if (
                value is not None
                and last_use.get(id(value)) == index
                and id(value) not in wanted_ids
            ):
                env.pop(id(value), None)
    out: dict[str, np.ndarray] = {}
    for value in wanted:
        array = value.const if value.const is not None else env[id(value)]
        if not isinstance(value.dtype, np.dtype):
            array = widen(array)  # codes leave the executor as int64
            if not as_codes:
                array = to_float(array, value.dtype)
        out[value.name] = array
    return out
