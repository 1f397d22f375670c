"""Typed quantization fields on nodes: weight formats, activation tables and clip codes."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from fpgaforge.errors import QuantizationError
from fpgaforge.ir import Graph, QuantInfo, WeightFormat, WeightKind


@dataclasses.dataclass(frozen=True)
class _Table:
    offset: int
    shift: int
    values: np.ndarray = dataclasses.field(compare=False)

    def lookup(self, codes: np.ndarray) -> np.ndarray:
        index = (np.asarray(codes, dtype=np.int64) - self.offset) >> self.shift
        return self.values[np.clip(index, 0, len(self.values) - 1)]


def _activation(func: str, **attrs):
    g = Graph("a")
    x = g.add_input("x", (1, 4))
    return g, g.add_node("Activation", [x], attrs={"func": func, **attrs})


def test_weight_formats() -> None:
    assert WeightFormat() == WeightFormat.plain() and WeightFormat().kind is WeightKind.PLAIN
    khot = WeightFormat.k_hot(3)
    assert (khot.kind, khot.k, khot.n_m, khot.shift_add) == (WeightKind.K_HOT, 3, None, True)
    sparse = WeightFormat.sparse(2, 4)
    assert (sparse.kind, sparse.n_m, sparse.shift_add) == (WeightKind.N_M, (2, 4), False)
    assert str(khot) == "3-hot" and str(sparse) == "2:4 sparse" and str(WeightFormat()) == "plain"
    for bad in (
        lambda: WeightFormat.k_hot(0),
        lambda: WeightFormat.sparse(5, 4),
        lambda: WeightFormat(WeightKind.PLAIN, k=2),
        lambda: WeightFormat(WeightKind.N_M, k=2, n_m=(1, 2)),
    ):
        with pytest.raises(QuantizationError):
            bad()


@pytest.mark.parametrize(
    ("fmt", "data"),
    [
        (WeightFormat.plain(), {}),
        (WeightFormat.k_hot(2), {"shift_add": True, "k_hot": 2}),
        (WeightFormat.sparse(2, 4), {"nm_sparsity": [2, 4]}),
    ],
)
def test_weight_format_json_keeps_the_old_annotation_form(fmt: WeightFormat, data: dict) -> None:
    assert fmt.to_json() == data
    assert WeightFormat.from_json(data) == fmt


def test_weight_format_from_json_defaults_and_errors() -> None:
    # cost models always read a bare shift_add as 2-hot
    assert WeightFormat.from_json({"shift_add": True}) == WeightFormat.k_hot(2)
    with pytest.raises(
        QuantizationError,
        match=r"^The weight format of node 'fc' has unknown keys \['acc_bits'\]; ",
    ):
        WeightFormat.from_json({"acc_bits": 20}, "node 'fc'")
    with pytest.raises(QuantizationError, match="both K-hot and N:M"):
        WeightFormat.from_json({"shift_add": True, "nm_sparsity": [2, 4]})


def test_nodes_start_plain_and_annotations_derive_from_the_typed_fields() -> None:
    _, node = _activation("clip", min=-1.0, max=1.0)
    assert node.quant == QuantInfo() and node.quant.weights == WeightFormat.plain()
    assert dict(node.annotations) == {}
    node.quant = dataclasses.replace(node.quant, clip_codes=(-8, 8))
    assert dict(node.annotations) == {"clip_codes": (-8, 8)}
    table = _Table(-128, 0, np.arange(256))
    node.quant = QuantInfo(weights=WeightFormat.k_hot(2), table=table)
    assert dict(node.annotations) == {"shift_add": True, "k_hot": 2, "table": table}
    node.quant = QuantInfo(weights=WeightFormat.sparse(1, 4))
    assert dict(node.annotations) == {"nm_sparsity": (1, 4)}


def test_annotations_are_read_only() -> None:
    _, node = _activation("relu")
    with pytest.raises(TypeError):
        node.annotations["shift_add"] = True  # type: ignore[index]
    with pytest.raises(AttributeError):
        node.annotations = {}  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        node.quant.clip_codes = (0, 1)  # type: ignore[misc]


def test_an_activation_has_a_table_or_clip_codes_not_both() -> None:
    with pytest.raises(QuantizationError, match="not both"):
        QuantInfo(table=_Table(0, 0, np.zeros(4, np.int64)), clip_codes=(0, 3))


def test_integer_activation_reads_the_typed_fields() -> None:
    from fpgaforge.ir.ops import get

    _, node = _activation("clip", min=-1.0, max=1.0)
    codes = np.array([[-20, -3, 4, 30]])
    node.quant = QuantInfo(clip_codes=(-5, 5))
    np.testing.assert_array_equal(get("Activation").compute_int(node, codes)[0], [[-5, -3, 4, 5]])
    _, node = _activation("tanh")
    node.quant = QuantInfo(table=_Table(-2, 0, np.array([7, 8, 9, 10, 11])))
    np.testing.assert_array_equal(
        get("Activation").compute_int(node, np.array([-2, 0, 2, 9]))[0], [7, 9, 11, 11]
    )


def test_graph_copy_keeps_the_typed_fields() -> None:
    g, node = _activation("clip", min=-1.0, max=1.0)
    node.quant = QuantInfo(weights=WeightFormat.k_hot(2), clip_codes=(-3, 3))
    g.outputs = [node.outputs[0]]
    copied = g.copy().nodes[0]
    assert copied is not node and copied.quant == node.quant
