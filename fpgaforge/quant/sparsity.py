"""N:M weight formats on a float graph: detect them, or prune to them (post-training).

`apply_sparsity(graph, "2:8")` gives every Dense layer the N:M format along its
reduction axis (the input axis of its [out, in] weight): weights that already are N:M
are kept exactly, the others keep the N largest magnitudes of every M. `mark_sparse`
only records the format of layers (Dense and Conv, along the input-channel axis) whose
weights already are N:M, as `fpgaforge.quant.sat.export` writes them. Quantization
then carries each node's format into the integer graph.
"""

from __future__ import annotations

import numpy as np

from fpgaforge.errors import SparsityError
from fpgaforge.ir.graph import Graph
from fpgaforge.ir.quant_info import QuantInfo, WeightFormat, WeightKind
from fpgaforge.numerics import nm

PRUNED_OPS = ("Dense",)
"""Ops `apply_sparsity` prunes: those the N:M MAC array runs."""
MARKED_OPS = ("Dense", "Conv")


def _weight(node) -> np.ndarray | None:
    w = node.input(1)
    return None if w is None or w.const is None else np.asarray(w.const)


def apply_sparsity(graph: Graph, pattern: str | nm.NMPattern) -> Graph:
    """A copy of `graph` whose Dense layers are N:M (pruned by magnitude where they are
    not yet); a SparsityError names a layer whose input size M does not divide."""
    p = nm.NMPattern.parse(pattern)
    out = graph.copy()
    for node in out.nodes:
        data = _weight(node)
        if node.op not in PRUNED_OPS or data is None:
            continue
        if data.shape[1] % p.m:
            raise SparsityError(
                f"Cannot make {node.where()} {p} sparse: its {data.shape[1]} inputs are not a "
                f"multiple of M={p.m}; choose an M that divides {data.shape[1]}."
            )
        if not nm.is_nm(data, p, axis=1):
            pruned = nm.prune(data, p, axis=1)
            weight = node.inputs[1]
            replacement = out.add_constant(f"{weight.name}_{p.n}of{p.m}", pruned)
            node.inputs[1] = replacement
            replacement.users.append(node)
            if node in weight.users:
                weight.users.remove(node)
        node.quant = QuantInfo(weights=WeightFormat.sparse(p.n, p.m))
    return out


def mark_sparse(graph: Graph, pattern: str | nm.NMPattern) -> list[str]:
    """Give the N:M format to every Dense and Conv (not depthwise) of `graph`, in place,
    whose weights already are N:M along the input axis; returns their names."""
    p = nm.NMPattern.parse(pattern)
    marked = []
    for node in graph.nodes:
        data = _weight(node)
        if node.op not in MARKED_OPS or data is None or data.ndim < 2 or data.shape[1] == 1:
            continue
        if nm.is_nm(data, p, axis=1):
            node.quant = QuantInfo(weights=WeightFormat.sparse(p.n, p.m))
            marked.append(node.name)
    return marked


def check_formats(graph: Graph) -> None:
    """A SparsityError for a layer whose N:M format its weights do not keep."""
    for node in graph.nodes:
        weights = node.quant.weights
        data = _weight(node)
        if weights.kind is WeightKind.N_M and weights.n_m is not None and data is not None:
            nm.validate(
                data, nm.NMPattern(*weights.n_m), axis=1, what=f"The weight of {node.where()}"
            )
