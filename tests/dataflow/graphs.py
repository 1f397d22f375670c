"""Graphs for the dataflow tests, built directly with the IR (no torch, no ONNX export).

`resnet50()` has the layer shapes of torchvision's ResNet-50 (bottleneck blocks
3-4-6-3, widths 64-128-256-512, expansion 4, BatchNorm folded into the convs)
with zero weights: the scheduler only needs shapes and types.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from fpgaforge.ir.graph import Graph
from fpgaforge.ir.value import Value


def _conv(g: Graph, x: Value, cout: int, k: int, stride: int = 1, name: str = "conv") -> Value:
    cin = x.shape[1]
    w = g.add_constant(f"{name}_w", np.zeros((cout, cin, k, k), np.float32))
    b = g.add_constant(f"{name}_b", np.zeros((cout,), np.float32))
    pad = k // 2
    node = g.add_node(
        "Conv",
        [x, w, b],
        name=name,
        attrs={"strides": (stride, stride), "pads": (pad, pad, pad, pad)},
    )
    return node.outputs[0]


def _relu(g: Graph, x: Value, name: str) -> Value:
    return g.add_node("Activation", [x], name=name, attrs={"func": "relu"}).outputs[0]


def resnet50(size: int = 224, classes: int = 1000) -> Graph:
    """ResNet-50 (v1.5: stride on the 3×3 conv) for an `size × size` RGB input."""
    g = Graph("resnet50")
    x = g.add_input("x", (1, 3, size, size))
    y = _relu(g, _conv(g, x, 64, 7, 2, "stem"), "stem_relu")
    y = g.add_node(
        "Pool",
        [y],
        name="stem_pool",
        attrs={"kind": "max", "kernel": (3, 3), "strides": (2, 2), "pads": (1, 1, 1, 1)},
    ).outputs[0]
    for stage, (width, blocks) in enumerate(((64, 3), (128, 4), (256, 6), (512, 3))):
        for b in range(blocks):
            stride = 2 if (b == 0 and stage > 0) else 1
            p = f"s{stage}b{b}"
            h = _relu(g, _conv(g, y, width, 1, 1, f"{p}_c1"), f"{p}_r1")
            h = _relu(g, _conv(g, h, width, 3, stride, f"{p}_c2"), f"{p}_r2")
            h = _conv(g, h, width * 4, 1, 1, f"{p}_c3")
            short = _conv(g, y, width * 4, 1, stride, f"{p}_down") if b == 0 else y
            y = _relu(g, g.add_node("Add", [h, short], name=f"{p}_add").outputs[0], f"{p}_r3")
    y = g.add_node("GlobalPool", [y], name="gap", attrs={"kind": "avg"}).outputs[0]
    y = g.add_node("Reshape", [y], name="flatten", attrs={"shape": (1, 2048)}).outputs[0]
    w = g.add_constant("fc_w", np.zeros((classes, 2048), np.float32))
    bias = g.add_constant("fc_b", np.zeros((classes,), np.float32))
    g.outputs.append(g.add_node("Dense", [y, w, bias], name="fc").outputs[0])
    return g


def Fixed(width: int, int_bits: int = 1, signed: bool = True) -> SimpleNamespace:  # noqa: N802
    """A stand-in for fpgaforge.numerics.types.Fixed (attributes only)."""
    return SimpleNamespace(width=width, int_bits=int_bits, signed=signed)


def Int(bits: int, signed: bool = True) -> SimpleNamespace:  # noqa: N802
    """A stand-in for fpgaforge.numerics.types.Int (attributes only)."""
    return SimpleNamespace(bits=bits, signed=signed, scale=1.0)


def set_bits(graph: Graph, weight_bits: int, act_bits: int, acc_bits: int | None = None) -> Graph:
    """Give every value a stand-in integer type by hand (weights `weight_bits`, activations
    `act_bits`), as a quantized graph would have."""
    for node in graph.nodes:
        for value in node.inputs:
            if value is None:
                continue
            if value.is_constant:
                value.dtype = Int(weight_bits if value.rank >= 2 else (acc_bits or 32))
            else:
                value.dtype = Int(act_bits)
        for value in node.outputs:
            value.dtype = Int(act_bits)
    for value in graph.inputs:
        value.dtype = Int(act_bits)
    return graph


def resnet18(size: int = 224, classes: int = 1000) -> Graph:
    """ResNet-18 (basic blocks 2-2-2-2, widths 64-128-256-512) for an `size × size` RGB input."""
    g = Graph("resnet18")
    x = g.add_input("x", (1, 3, size, size))
    y = _relu(g, _conv(g, x, 64, 7, 2, "stem"), "stem_relu")
    y = g.add_node(
        "Pool",
        [y],
        name="stem_pool",
        attrs={"kind": "max", "kernel": (3, 3), "strides": (2, 2), "pads": (1, 1, 1, 1)},
    ).outputs[0]
    for stage, width in enumerate((64, 128, 256, 512)):
        for b in range(2):
            stride = 2 if (b == 0 and stage > 0) else 1
            p = f"s{stage}b{b}"
            h = _relu(g, _conv(g, y, width, 3, stride, f"{p}_c1"), f"{p}_r1")
            h = _conv(g, h, width, 3, 1, f"{p}_c2")
            short = _conv(g, y, width, 1, stride, f"{p}_down") if stride != 1 else y
            y = _relu(g, g.add_node("Add", [h, short], name=f"{p}_add").outputs[0], f"{p}_r2")
    y = g.add_node("GlobalPool", [y], name="gap", attrs={"kind": "avg"}).outputs[0]
    y = g.add_node("Reshape", [y], name="flatten", attrs={"shape": (1, 512)}).outputs[0]
    w = g.add_constant("fc_w", np.zeros((classes, 512), np.float32))
    bias = g.add_constant("fc_b", np.zeros((classes,), np.float32))
    g.outputs.append(g.add_node("Dense", [y, w, bias], name="fc").outputs[0])
    return g


def _dense(g: Graph, x: Value, n: int, name: str) -> Value:
    w = g.add_constant(f"{name}_w", np.zeros((n, x.shape[-1]), np.float32))
    b = g.add_constant(f"{name}_b", np.zeros((n,), np.float32))
    return g.add_node("Dense", [x, w, b], name=name).outputs[0]


def bert_layer(tokens: int = 128, hidden: int = 768, ffn: int = 3072) -> Graph:
    """The GEMMs of one BERT-base encoder layer on `tokens` tokens: Q, K and V projections,
    the output projection (fed by V: the attention products are left out), the two FFN
    layers, the residual adds. The input first gets a constant add (the previous layer's
    LayerNorm shift), so the layer's input needs a gradient as inside a stack."""
    g = Graph("bert_layer")
    x = g.add_input("x", (tokens, hidden))
    shift = g.add_constant("ln_shift", np.zeros((tokens, hidden), np.float32))
    x = g.add_node("Add", [x, shift], name="ln_in").outputs[0]
    _dense(g, x, hidden, "q")
    _dense(g, x, hidden, "k")
    v = _dense(g, x, hidden, "v")
    y = _dense(g, v, hidden, "attn_out")
    y = g.add_node("Add", [y, x], name="res1").outputs[0]
    h = g.add_node("Activation", [_dense(g, y, ffn, "ffn1")], name="gelu", attrs={"func": "relu"})
    y2 = _dense(g, h.outputs[0], hidden, "ffn2")
    g.outputs.append(g.add_node("Add", [y2, y], name="res2").outputs[0])
    return g
