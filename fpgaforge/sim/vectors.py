"""Test vectors shared by C-simulation and RTL simulation.

The hardware receives input *codes* (the `Quantize` step runs on the host) and
produces output codes; the expected codes come from `fpgaforge.execute` of the
quantized graph, the numeric truth both simulations must match bit for bit.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from fpgaforge.errors import FeedError
from fpgaforge.ir.executor import execute
from fpgaforge.ir.graph import Graph

DEFAULT_COUNT = 100


@dataclass(frozen=True)
class TestVectors:
    """Inputs (float and codes) and expected output codes of a quantized graph, by tensor name.

    `input_codes` is keyed by graph input name; `output_codes` by graph output name."""

    inputs: dict[str, np.ndarray]
    input_codes: dict[str, np.ndarray]
    output_codes: dict[str, np.ndarray]

    __test__ = False  # not a pytest class

    @property
    def count(self) -> int:
        return int(next(iter(self.inputs.values())).shape[0])

    def save(self, path: str | Path) -> Path:
        """Write all arrays into one `.npz` (keys `in:<name>`, `in_codes:<name>`, `out_codes:<name>`);
        the same vectors give the same bytes (fixed archive timestamps)."""
        arrays = {f"in:{k}": v for k, v in self.inputs.items()}
        arrays |= {f"in_codes:{k}": v for k, v in self.input_codes.items()}
        arrays |= {f"out_codes:{k}": v for k, v in self.output_codes.items()}
        path = Path(path)
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
            for name in sorted(arrays):
                buffer = io.BytesIO()
                np.lib.format.write_array(
                    buffer, np.ascontiguousarray(arrays[name]), allow_pickle=False
                )
                info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
                archive.writestr(info, buffer.getvalue())
        return path

    @classmethod
    def load(cls, path: str | Path) -> TestVectors:
        with np.load(path, allow_pickle=False) as data:

            def part(prefix: str) -> dict[str, np.ndarray]:
                return {
                    k.split(":", 1)[1]: np.asarray(data[k])
                    for k in data.files
                    if k.startswith(prefix + ":")
                }

            return cls(part("in"), part("in_codes"), part("out_codes"))

    def head(self, count: int) -> TestVectors:
        """The first `count` vectors."""

        def cut(d: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
            return {k: v[:count] for k, v in d.items()}

        return TestVectors(cut(self.inputs), cut(self.input_codes), cut(self.output_codes))


def make_vectors(
    qgraph: Graph,
    data: Mapping[str, np.ndarray] | None = None,
    count: int = DEFAULT_COUNT,
    seed: int = 0,
) -> TestVectors:
    """Vectors from `data` (input name → batch; the first `count` rows), or drawn uniformly
    within each input's calibrated range when no data is given."""
    if not qgraph.metadata.get("quantized"):
        raise FeedError(
            f"Graph {qgraph.name!r} is not quantized; test vectors need a quantized graph."
        )
    if data is None:
        rng = np.random.default_rng(seed)
        data = {}
        for value in qgraph.inputs:
            quantize = value.users[0]
            t = quantize.attrs["to"]
            low, high = _real_range(t)
            data[value.name] = rng.uniform(low, high, size=(count, *value.shape[1:])).astype(
                value.dtype
            )
    inputs = {v.name: np.asarray(data[v.name])[:count] for v in qgraph.inputs}
    quantized_inputs = [v.users[0].outputs[0].name for v in qgraph.inputs]
    wanted = quantized_inputs + [v.name for v in qgraph.outputs]
    results = execute(qgraph, inputs, outputs=wanted, as_codes=True)
    input_codes = {v.name: results[q] for v, q in zip(qgraph.inputs, quantized_inputs, strict=True)}
    output_codes = {v.name: results[v.name] for v in qgraph.outputs}
    return TestVectors(inputs, input_codes, output_codes)


def _real_range(t) -> tuple[float, float]:
    from fpgaforge.numerics.convert import lsb

    step = float(lsb(t).max())
    return t.min_code * step, t.max_code * step
