"""The decode step of a Mamba-2 language model as an fpgaforge graph.

`step_graph(config, weights)` builds one token's computation: embedding, per layer
RMSNorm -> in_proj -> split (z, xBC, dt) -> causal conv1d with its state -> SiLU ->
split (x, B, C) -> SSMStep with its state -> gated RMSNorm -> out_proj -> residual
add, then the final RMSNorm and the (tied) LM head. Inputs are `token` [1] and each
layer's `conv_state_<i>` [1, conv_dim, d_conv-1] and `ssm_state_<i>` [1, H, P, N];
outputs are `logits` and the new states. Without `weights` every constant is
shape-only (a zero-stride array), so a checkpoint-sized graph costs no memory.
Weight names follow the state-spaces checkpoints (`backbone.layers.0.mixer.in_proj.weight`).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from fpgaforge.errors import UsageError
from fpgaforge.ir.graph import Graph
from fpgaforge.ir.value import Value
from fpgaforge.models.config import Mamba2Config


def weight_shapes(cfg: Mamba2Config) -> dict[str, tuple[int, ...]]:
    """Every weight of the model by its checkpoint name, with its shape."""
    shapes: dict[str, tuple[int, ...]] = {"backbone.embedding.weight": (cfg.vocab, cfg.d_model)}
    for i in range(cfg.n_layer):
        p = f"backbone.layers.{i}."
        shapes |= {
            p + "norm.weight": (cfg.d_model,),
            p + "mixer.in_proj.weight": (cfg.d_in_proj, cfg.d_model),
            p + "mixer.conv1d.weight": (cfg.conv_dim, 1, cfg.d_conv),
            p + "mixer.conv1d.bias": (cfg.conv_dim,),
            p + "mixer.dt_bias": (cfg.nheads,),
            p + "mixer.A_log": (cfg.nheads,),
            p + "mixer.D": (cfg.nheads,),
            p + "mixer.norm.weight": (cfg.d_inner,),
            p + "mixer.out_proj.weight": (cfg.d_model, cfg.d_inner),
        }
    shapes["backbone.norm_f.weight"] = (cfg.d_model,)
    if not cfg.tie_embeddings:
        shapes["lm_head.weight"] = (cfg.vocab, cfg.d_model)
    return shapes


def _shape_only(shape: tuple[int, ...]) -> np.ndarray:
    return np.broadcast_to(np.zeros((), np.float32), shape)


class _Weights:
    def __init__(self, graph: Graph, cfg: Mamba2Config, weights: Mapping | None) -> None:
        self.graph, self.weights, self.shapes = graph, weights, weight_shapes(cfg)

    def array(self, name: str) -> np.ndarray:
        shape = self.shapes[name]
        if self.weights is None:
            return _shape_only(shape)
        if name not in self.weights:
            raise UsageError(f"The Mamba-2 weights lack {name!r}.")
        data = np.asarray(self.weights[name], dtype=np.float32)
        if data.shape != shape:
            raise UsageError(f"Weight {name!r} has shape {data.shape}, expected {shape}.")
        return data

    def const(self, name: str, data: np.ndarray | None = None) -> Value:
        data = self.array(name) if data is None else data
        if data.strides and not any(data.strides):  # shape-only: keep it zero-stride
            return Value(self.graph.unique_name(name), data.shape, data.dtype, const=data)
        return self.graph.add_constant(name, data)


def _block(graph: Graph, w: _Weights, cfg: Mamba2Config, i: int, x: Value) -> tuple[Value, ...]:
    p = f"backbone.layers.{i}."
    n = f"layers.{i}."
    h, hp, ns, g = cfg.nheads, cfg.headdim, cfg.d_state, cfg.ngroups

    def node(op: str, inputs: list, name: str, **kw) -> list[Value]:
        return graph.add_node(op, inputs, name=n + name, **kw).outputs

    conv_state = graph.add_input(f"conv_state_{i}", (1, cfg.conv_dim, cfg.d_conv - 1))
    ssm_state = graph.add_input(f"ssm_state_{i}", (1, h, hp, ns))
    (normed,) = node("RMSNorm", [x, w.const(p + "norm.weight")], "norm", attrs={"epsilon": cfg.eps})
    (zxbcdt,) = node("Dense", [normed, w.const(p + "mixer.in_proj.weight")], "in_proj")
    z, xbc, dt = node(
        "Split", [zxbcdt], "split_in", attrs={"axis": 1, "sizes": (cfg.d_inner, cfg.conv_dim, h)}
    )
    conv_w = w.array(p + "mixer.conv1d.weight")[:, 0, :]
    xbc, conv_out = node(
        "CausalConv1d",
        [xbc, w.const(p + "mixer.conv1d.weight", conv_w), w.const(p + "mixer.conv1d.bias"), conv_state],
        "conv1d",
        output_names=[n + "conv1d", f"conv_state_{i}_out"],
    )  # fmt: skip
    (xbc,) = node("Activation", [xbc], "conv_silu", attrs={"func": "silu"})
    xs, b, c = node(
        "Split", [xbc], "split_xbc", attrs={"axis": 1, "sizes": (cfg.d_inner, g * ns, g * ns)}
    )
    (xs,) = node("Reshape", [xs], "x_heads", attrs={"shape": (1, h, hp)})
    (b,) = node("Reshape", [b], "B_groups", attrs={"shape": (1, g, ns)})
    (c,) = node("Reshape", [c], "C_groups", attrs={"shape": (1, g, ns)})
    a_log = w.array(p + "mixer.A_log")
    a = a_log if w.weights is None else (-np.exp(a_log)).astype(np.float32)
    y, ssm_out = node(
        "SSMStep",
        [xs, dt, w.const(p + "mixer.A", a), b, c, w.const(p + "mixer.D"),
         w.const(p + "mixer.dt_bias"), ssm_state],
        "ssm",
        output_names=[n + "ssm", f"ssm_state_{i}_out"],
    )  # fmt: skip
    (y,) = node("Reshape", [y], "y_flat", attrs={"shape": (1, cfg.d_inner)})
    (y,) = node(
        "RMSNorm",
        [y, w.const(p + "mixer.norm.weight"), z],
        "gated_norm",
        attrs={"epsilon": cfg.eps, "group_size": cfg.d_inner // g},
    )
    (out,) = node("Dense", [y, w.const(p + "mixer.out_proj.weight")], "out_proj")
    (res,) = node("Add", [x, out], "residual")
    return res, conv_out, ssm_out


def step_graph(
    cfg: Mamba2Config, weights: Mapping[str, np.ndarray] | None = None, name: str = "mamba2"
) -> Graph:
    """The decode step of `cfg` as a Graph (shape-only constants when `weights` is None)."""
    graph = Graph(name)
    w = _Weights(graph, cfg, weights)
    token = graph.add_input("token", (1,), np.int64)
    table = w.const("backbone.embedding.weight")
    x = graph.add_node("Embedding", [token, table], name="embedding").outputs[0]
    states: list[Value] = []
    for i in range(cfg.n_layer):
        x, conv_out, ssm_out = _block(graph, w, cfg, i, x)
        states += [conv_out, ssm_out]
    normed = graph.add_node(
        "RMSNorm", [x, w.const("backbone.norm_f.weight")], name="norm_f",
        attrs={"epsilon": cfg.eps},
    ).outputs[0]  # fmt: skip
    head = table if cfg.tie_embeddings else w.const("lm_head.weight")
    logits = graph.add_node("Dense", [normed, head], name="lm_head", output_names=["logits"])
    graph.outputs = [logits.outputs[0], *states]
    return graph
