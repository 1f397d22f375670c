"""The backward-data GEMMs of a weighted layer in a training step (`dataflow/training.py`).

A Dense (or MatMul by a constant) Y = X·W^T has dX = dY·W: M rows, reduction N (the
outputs), K columns. A convolution's dX is the transposed convolution of dY with the same
weights: every input position y (per spatial axis) gathers the taps k of the kernel whose
window put it under an output, s·o + k·d − p = y. Run as a GEMM without a col2im
afterwards, the input positions fall in s phases per axis (y mod s), each a GEMM of its own:
its positions' count of rows, a reduction of its taps times the output channels, the input
channels as columns. A stride-1 convolution is one phase whose reduction is the forward's
K with the roles of the channels swapped (a 3×3 64 → 64 convolution: 9·64 rows of
reduction, 64 columns), so the N:M backward mask (N of every M output channels at each tap)
compresses a reduction as long as the forward's. A phase no tap reaches gets no gradient
and no GEMM (a 1×1 convolution of stride 2 has one phase of four).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from fpgaforge.ir.node import Node


@dataclass(frozen=True)
class BackwardPhase:
    """One GEMM of a layer's backward data, per group: `rows` streamed, a reduction of `taps`
    kernel taps times the layer's outputs per group, the layer's inputs per group (one
    tap's) as columns."""

    rows: int
    taps: int


def _axis_phases(
    size: int, kernel: int, stride: int, pad: int, dilation: int
) -> list[tuple[int, int]]:
    """(input positions, taps) of each phase y mod stride of one spatial axis: the positions
    y in [0, size) of that phase and the taps k with (y + pad − k·dilation) divisible by the
    stride."""
    phases = []
    for r in range(min(stride, size)):
        positions = math.ceil((size - r) / stride)
        taps = sum(1 for k in range(kernel) if (r + pad - k * dilation) % stride == 0)
        if taps:
            phases.append((positions, taps))
    return phases


def backward_phases(node: Node, rows: int) -> list[BackwardPhase]:
    """The backward-data GEMMs of `node`, whose forward GEMM streams `rows` rows (one per
    output position and sample): one for a Dense or MatMul (the same rows, one tap), the
    stride phases of a Conv's transposed convolution (N-D kernels: the product of the axes'
    phases), each with the rows of its input positions."""
    if node.op != "Conv":
        return [BackwardPhase(rows, 1)]
    x = node.inputs[0]
    spatial = [int(d) for d in x.shape[2:]]
    outputs = math.prod(int(d) for d in node.outputs[0].shape[2:])
    kernel = [int(k) for k in node.inputs[1].shape[2:]]
    rank = len(spatial)
    strides = tuple(node.attrs.get("strides") or (1,) * rank)
    pads = tuple(node.attrs.get("pads") or (0,) * (2 * rank))
    dilations = tuple(node.attrs.get("dilations") or (1,) * rank)
    per_axis = [
        _axis_phases(spatial[i], kernel[i], int(strides[i]), int(pads[i]), int(dilations[i]))
        for i in range(rank)
    ]
    phases = [BackwardPhase(rows // outputs, 1)]
    for axis in per_axis:
        phases = [
            BackwardPhase(p.rows * positions, p.taps * taps)
            for p in phases
            for positions, taps in axis
        ]
    return phases
