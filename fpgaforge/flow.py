"""The main flow: import → quantize → schedule → test vectors → HLS project and/or RTL.

`build(...)` writes everything into a temporary folder next to `out_dir` and moves
it into place only when every step succeeded, so a failure never leaves a
half-written project behind.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from fpgaforge.errors import UsageError
from fpgaforge.ir.graph import Graph
from fpgaforge.outputs import check_output_folder, staged_folder

BACKENDS = ("hls", "rtl", "both")


@dataclass(frozen=True)
class BuildResult:
    """What `build` produced."""

    out_dir: Path
    qgraph: Graph
    schedule: object
    files: tuple[Path, ...]
    vectors: int = 0
    """Test vectors stored."""
    vectors_asked: int = 0
    """Test vectors asked for (`vectors` is fewer when the calibration data has fewer rows)."""


def build(
    model: str | os.PathLike | Graph,
    board: str,
    quant: str,
    out_dir: str | os.PathLike,
    *,
    calibration: Mapping[str, np.ndarray] | None = None,
    input_shapes: Mapping[str, tuple[int, ...]] | None = None,
    backend: str = "hls",
    mode: str = "auto",
    target_fps: float | None = None,
    clock_mhz: float | None = None,
    vectors: int = 100,
    force: bool = False,
    tiled_weights: str | None = None,
    inputs: Sequence[str | os.PathLike] = (),
    sparsity: str | None = None,
) -> BuildResult:
    """Quantize, schedule and write a project for `board` into `out_dir`.

    The project holds `schedule.json`, `model_q.onnx` (QONNX), `vectors.npz` (inputs and
    expected output codes from `fpgaforge.execute`), `quant_errors.json` (per-tensor SQNR), and `hls/` and/or `rtl/`.
    tiled_weights: where a tiled schedule keeps its weights ('dram' or 'onchip'); by default
    'dram' for the HLS backend (its engine reads them over m_axi) and 'onchip' when the RTL
    backend is built (its engine reads a weight ROM).
    sparsity: an N:M pattern ('2:8') every Dense layer gets (`quantize(sparsity=...)`)."""
    from fpgaforge.dataflow import schedule as make_schedule
    from fpgaforge.frontend import load
    from fpgaforge.quant import quantize, save_qonnx
    from fpgaforge.sim.vectors import make_vectors

    if backend not in BACKENDS:
        raise UsageError(f"Backend {backend!r} is not one of {', '.join(BACKENDS)}.")
    decode = _is_decode_spec(quant)
    check_build_arguments(vectors=vectors, target_fps=target_fps, clock_mhz=clock_mhz)
    sources = [*inputs, None if isinstance(model, Graph) else model]
    board_file = (
        Path(board) if isinstance(board, str) and board.endswith((".yaml", ".yml")) else None
    )
    sources.append(board_file)
    out = check_output_folder(out_dir, force=force, inputs=sources)
    graph = model if isinstance(model, Graph) else load(model, input_shapes)
    qgraph = quantize(graph, quant, calibration, sparsity=sparsity)
    if decode:
        return _build_decode(
            graph, qgraph, board, quant, out, sources, calibration, vectors, clock_mhz, force,
            backend,
        )  # fmt: skip
    if tiled_weights is None:
        tiled_weights = "dram" if backend == "hls" else "onchip"
    sched = make_schedule(
        qgraph,
        board,
        mode=mode,
        target_fps=target_fps,
        clock_mhz=clock_mhz,
        tiled_weights=tiled_weights,
    )
    _check_batch(qgraph, backend)
    tests = make_vectors(qgraph, calibration, count=vectors)
    with staged_folder(out, force=force, command="build", inputs=sources) as staging:
        files = [_write(staging / "schedule.json", sched.to_json() + "\n")]
        files.append(save_qonnx(qgraph, staging / "model_q.onnx"))
        files.append(tests.save(staging / "vectors.npz"))
        files.append(
            _write(
                staging / "build.json",
                json.dumps(
                    {
                        "model": graph.name,
                        "board": board,
                        "quant": quant,
                        "backend": backend,
                        "mode": sched.mode,
                        "vectors": tests.count,
                    },
                    indent=2,
                    sort_keys=True,
                )
                + "\n",
            )
        )
        files.append(
            _write(staging / "quant_errors.json", _quant_errors(graph, qgraph, tests.inputs))
        )
        if backend in ("hls", "both"):
            from fpgaforge.hls import write_project as write_hls

            files += write_hls(qgraph, sched, board, tests, staging / "hls")
        if backend in ("rtl", "both"):
            from fpgaforge.rtl import write_project as write_rtl

            files += write_rtl(qgraph, sched, board, tests, staging / "rtl")
    stored = tuple(out / p.relative_to(staging) for p in files)
    return BuildResult(out, qgraph, sched, stored, tests.count, vectors)


def _is_decode_spec(quant) -> bool:
    from fpgaforge.quant.lightmamba import is_mamba_spec

    return is_mamba_spec(quant)


DECODE_SEED = 1
"""Without calibration tokens, a decode build tests this seeded token sequence."""


def _build_decode(
    graph, qgraph, board, quant, out, sources, calibration, count, clock_mhz, force, backend
) -> BuildResult:
    """The build of a Mamba-2 decode step: the decode-step estimate (`estimate.json`), the
    expected codes of `count` consecutive tokens with the states carried (`vectors.npz`), the
    HLS project of the integer part (`hls/`, backend hls or both) and its RTL top (`rtl/`,
    backend rtl or both; `estimate.json` then also holds the top's cycles under `rtl`)."""
    from fpgaforge.boards import get as get_board
    from fpgaforge.dataflow.mamba_step import estimate_decode_step
    from fpgaforge.hls.mamba import write_decode_project
    from fpgaforge.ir.ops.registry import get as get_op
    from fpgaforge.quant.lightmamba import parse_mamba_spec
    from fpgaforge.quant.lightmamba.decode import decode_config, decode_split, decode_trace

    split = decode_split(qgraph)
    vocab = int(split.embedding.inputs[1].shape[0])
    if calibration is not None and "tokens" in calibration:
        given = np.asarray(calibration["tokens"], np.int64).reshape(-1)
        tokens = np.resize(given, count) if given.size else given
    else:
        tokens = np.random.default_rng(DECODE_SEED).integers(0, vocab, count)
    trace = decode_trace(qgraph, tokens)
    spec = parse_mamba_spec(quant)
    board_obj = get_board(board)
    macs = sum(get_op(n.op).macs(n) for n in split.nodes)
    est = estimate_decode_step(
        graph.name, decode_config(qgraph), board, clock_mhz=clock_mhz,
        state_bits=spec.state_bits, macs_per_token=macs,
    )  # fmt: skip
    with staged_folder(out, force=force, command="build", inputs=sources) as staging:
        files = []
        if backend in ("rtl", "both"):
            from fpgaforge.rtl.mamba_project import write_decode_rtl

            rtl_files, rtl_est = write_decode_rtl(qgraph, trace, staging / "rtl", graph.name, board)
            est = replace(est, rtl=rtl_est)
            files += rtl_files
        files.append(_write(staging / "estimate.json", est.to_json() + "\n"))
        path = staging / "vectors.npz"
        np.savez(
            path, tokens=trace.tokens, embedding=trace.embedding,
            residual_in=trace.residual_in, residual_out=trace.residual_out, **trace.states,
        )  # fmt: skip
        files.append(path)
        meta = {"model": graph.name, "board": board, "quant": quant, "backend": backend,
                "mode": "decode", "vectors": int(trace.tokens.size)}  # fmt: skip
        files.append(
            _write(staging / "build.json", json.dumps(meta, indent=2, sort_keys=True) + "\n")
        )
        if backend in ("hls", "both"):
            files += write_decode_project(qgraph, board_obj, trace, est.record(), staging / "hls")
    return BuildResult(out, qgraph, est, tuple(out / p.relative_to(staging) for p in files))


QUANT_ERROR_SAMPLES = 16
"""Test-vector inputs the build's per-tensor SQNR (`quant_errors.json`) is measured on."""


def _quant_errors(graph: Graph, qgraph: Graph, inputs: Mapping[str, np.ndarray]) -> str:
    """Per-tensor SQNR of the quantized graph against the float one, as `quantize --json`."""
    import math

    from fpgaforge.quant.report import layer_errors

    feeds = {k: np.asarray(v)[:QUANT_ERROR_SAMPLES] for k, v in inputs.items()}
    rows = [  # the `quantize --json` shape: an infinite SQNR (exact) is null
        {**r.__dict__, "sqnr_db": None if math.isinf(r.sqnr_db) else r.sqnr_db}
        for r in layer_errors(graph, qgraph, feeds)
    ]
    return json.dumps(rows, indent=2, sort_keys=True) + "\n"


def _check_batch(qgraph: Graph, backend: str) -> None:
    """The backends' batch-axis refusals, before the test vectors run the graph."""
    if backend in ("hls", "both"):
        from fpgaforge.hls.lowering import check_batch_axis

        check_batch_axis(qgraph)
    if backend in ("rtl", "both"):
        from fpgaforge.rtl.planner import check_batch

        check_batch(qgraph)


def check_build_arguments(
    *, vectors: int | None = None, target_fps: float | None = None, clock_mhz: float | None = None
) -> None:
    """Range checks of `build`'s numeric arguments, done before any work starts."""
    if vectors is not None and (isinstance(vectors, bool) or not 1 <= int(vectors) <= 1_000_000):
        raise UsageError(f"--vectors must be between 1 and 1000000, got {vectors}.")
    for option, value in (("--target-fps", target_fps), ("--clock-mhz", clock_mhz)):
        if value is not None and not (math.isfinite(value) and value > 0):
            raise UsageError(f"{option} must be a positive finite number, got {value}.")


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path
