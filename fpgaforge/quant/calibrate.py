"""Calibration: observe every tensor's range by running the float graph on sample inputs."""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from fpgaforge.errors import FeedError
from fpgaforge.ir.executor import batch_mixing_node, execute
from fpgaforge.ir.graph import Graph
from fpgaforge.ir.ops import registry

DEFAULT_SAMPLES = 64
DEFAULT_SEED = 0
Calibration = Mapping[str, np.ndarray] | Iterable[Mapping[str, np.ndarray]]


@dataclass(frozen=True)
class TensorRange:
    """Observed range of one tensor over the calibration data."""

    min: float
    max: float
    absmax: float
    per_channel_absmax: tuple[float, ...] | None = None

    def merge(self, other: TensorRange) -> TensorRange:
        per_channel = None
        if self.per_channel_absmax is not None and other.per_channel_absmax is not None:
            if len(self.per_channel_absmax) != len(other.per_channel_absmax):
                raise ValueError("per-channel ranges of different channel counts")
            per_channel = tuple(
                np.maximum(self.per_channel_absmax, other.per_channel_absmax).tolist()
            )
        return TensorRange(
            min(self.min, other.min),
            max(self.max, other.max),
            max(self.absmax, other.absmax),
            per_channel,
        )


def default_calibration(
    graph: Graph, samples: int = DEFAULT_SAMPLES, seed: int = DEFAULT_SEED
) -> dict[str, np.ndarray]:
    """The documented default when no calibration data is given: `samples` inputs drawn
    uniformly from [-1, 1] (seed 0), rounded up to a multiple of the graph's static batch
    when its nodes mix the samples of dimension 0. Good enough for resource and speed
    estimates; use real data for accuracy."""
    rng = np.random.default_rng(seed)
    bound = graph.static_batch
    if bound > 1 and samples % bound and batch_mixing_node(graph) is not None:
        samples += bound - samples % bound
    feeds = {}
    for value in graph.inputs:
        shape = (samples, *value.shape[1:]) if value.rank else ()
        feeds[value.name] = rng.uniform(-1.0, 1.0, size=shape).astype(value.dtype)
    return feeds


def _batches(graph: Graph, calibration: Calibration | None) -> list[Mapping[str, np.ndarray]]:
    if calibration is None:
        return [default_calibration(graph)]
    if isinstance(calibration, Mapping):
        return [calibration]
    batches = list(calibration)
    if not batches:
        raise FeedError("The calibration data is empty; give at least one batch of inputs.")
    return batches


def _check_batch(graph: Graph, batch: Mapping[str, np.ndarray]) -> None:
    names = {v.name: v for v in graph.inputs}
    for key in batch:
        if key not in names:
            raise FeedError(
                f"Calibration data has an array named {key!r}, but the model's inputs are "
                f"{', '.join(f'{v.name} (Nx' + 'x'.join(map(str, v.shape[1:])) + ')' for v in graph.inputs)}; "
                f"key the arrays by input name."
            )


CHUNK_SAMPLES = 8
"""Calibration runs the float graph on at most this many samples at a time."""


def observe_ranges(graph: Graph, calibration: Calibration | None = None) -> dict[str, TensorRange]:
    """Min, max and absmax (per channel along axis 1 where the tensor has one) of every
    graph input and node output, over all calibration batches.

    The data streams through the graph in chunks of `CHUNK_SAMPLES` samples (where the
    graph treats samples independently); each tensor's running range is updated as soon as
    it is computed, and the executor frees it once its last user has run, so memory holds
    one chunk's live tensors, not every intermediate of the whole calibration set."""
    ranges: dict[str, TensorRange] = {}

    def update(name: str, array: np.ndarray) -> None:
        if array.dtype.kind != "f" or array.size == 0:
            return
        found = _range_of(array)
        ranges[name] = ranges[name].merge(found) if name in ranges else found

    def observe(value, array: np.ndarray) -> None:
        update(value.name, np.asarray(array))

    input_names = {i.name for i in graph.inputs}
    for batch in _batches(graph, calibration):
        _check_batch(graph, batch)
        feeds = {k: np.asarray(v) for k, v in batch.items() if k in input_names}
        for chunk in _chunks(graph, feeds):
            execute(graph, chunk, observe=observe)
        for value in graph.inputs:
            update(value.name, np.asarray(batch[value.name]))
    return ranges


def _chunks(graph: Graph, feeds: dict[str, np.ndarray]) -> Iterable[dict[str, np.ndarray]]:
    """`feeds` split along dimension 0 into pieces of at most CHUNK_SAMPLES samples when
    every op treats samples independently (else whole)."""
    sizes = {int(np.shape(v)[0]) for v in feeds.values() if np.ndim(v) > 0}
    safe = all(registry.get(n.op).batch_safe(n) for n in graph.nodes)
    if len(sizes) != 1 or not safe:
        yield feeds
        return
    (total,) = sizes
    for start in range(0, total, CHUNK_SAMPLES):
        yield {k: v[start : start + CHUNK_SAMPLES] for k, v in feeds.items()}


def _range_of(array: np.ndarray) -> TensorRange:
    data = array if array.dtype.itemsize >= 4 else array.astype(np.float32)
    per_channel = None
    if data.ndim >= 2:
        # two passes: the channels' extremes, then the tensor's from them (exactly the same)
        # contiguous rows per (sample, channel): reduce them first, then over the samples
        rows = data.reshape(data.shape[0], data.shape[1], -1)
        lows, highs = rows.min(axis=2).min(axis=0), rows.max(axis=2).max(axis=0)
        low, high = float(lows.min()), float(highs.max())
        per_channel = tuple(np.maximum(highs, -lows).tolist())
    else:
        low, high = float(data.min()), float(data.max())
    return TensorRange(low, high, max(-low, high), per_channel)


def load_calibration(
    path: str, graph: Graph, *, allow_extra: tuple[str, ...] = ("y", "logits", "labels")
) -> dict[str, np.ndarray]:
    """Read an `.npz` of calibration inputs keyed by input name and check it against `graph`.

    Arrays named like common extras (`y`, `logits`, `labels`) are ignored when they are
    not inputs, so the bundled test-vector files work as calibration data.
    """
    from pathlib import Path

    file = Path(path)
    if not file.is_file():
        raise FeedError(f"Calibration file '{file}' does not exist or is not a file.")
    try:
        with np.load(file, allow_pickle=False) as data:
            if not hasattr(data, "files"):
                raise ValueError("a single array, not an archive of named arrays")
            arrays = {k: np.asarray(data[k]) for k in data.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        reason = str(exc).strip().splitlines()[0][:120] if str(exc).strip() else type(exc).__name__
        raise FeedError(
            f"Calibration file '{file}' is not a readable .npz archive ({reason}); "
            "write it with numpy.savez(path, INPUT_NAME=array)."
        ) from None
    expected = {v.name: v for v in graph.inputs}
    unknown = [k for k in arrays if k not in expected and k not in allow_extra]
    if unknown:
        described = ", ".join(
            f"{v.name} (Nx{'x'.join(map(str, v.shape[1:]))})" for v in graph.inputs
        )
        raise FeedError(
            f"Calibration file '{file}' has an array named {unknown[0]!r}, but the model's inputs are {described}; "
            f"key the arrays by input name."
        )
    feeds = {}
    for name, value in expected.items():
        if name not in arrays:
            raise FeedError(
                f"Calibration file '{file}' has no array for input {name!r}; it holds {', '.join(arrays) or 'nothing'}."
            )
        array = arrays[name]
        if array.ndim != value.rank or tuple(array.shape[1:]) != tuple(value.shape[1:]):
            want = "Nx" + "x".join(str(d) for d in value.shape[1:])
            got = "x".join(str(d) for d in array.shape) or "scalar"
            raise FeedError(
                f"Calibration array {name!r} in '{file}' has shape {got}, but the model expects {want}."
            )
        if array.dtype.kind in "fc" and not np.all(np.isfinite(array)):
            raise FeedError(
                f"Calibration array {name!r} in '{file}' holds NaN or infinite values; "
                "calibrate with finite data."
            )
        if array.dtype.kind not in "biuf":
            raise FeedError(
                f"Calibration array {name!r} in '{file}' has dtype {array.dtype}, not numbers."
            )
        feeds[name] = array.astype(value.dtype) if isinstance(value.dtype, np.dtype) else array
    return feeds
