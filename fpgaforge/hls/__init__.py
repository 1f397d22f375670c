"""Vitis HLS backend: kernel headers, project writer and C-simulation.

`write_project(qgraph, schedule, board, vectors, out_dir)` writes a complete Vitis HLS
project (see `fpgaforge/hls/project.py` and `files.py`); `run_csim(out_dir)` compiles its
testbench with g++ and checks every output code against the expected ones.
"""

from __future__ import annotations

import os
from pathlib import Path

from fpgaforge.hls.csim import CsimResult, run_csim
from fpgaforge.hls.errors import CsimError, HlsError, HlsUnsupportedError

__all__ = [
    "CsimError",
    "CsimResult",
    "HlsError",
    "HlsUnsupportedError",
    "run_csim",
    "write_project",
]


def write_project(qgraph, schedule, board, vectors, out_dir: str | os.PathLike) -> list[Path]:
    """Write the HLS project of `qgraph` scheduled by `schedule` for `board` into `out_dir`.

    Returns the files written, in a stable order; the same inputs give byte-identical files."""
    from fpgaforge.boards import get as get_board
    from fpgaforge.hls.files import copy_kernels, write_tables, write_vectors
    from fpgaforge.hls.project import ALVEO_HOSTS, ZYNQ_HOSTS, Designer
    from fpgaforge.hls.render import render
    from fpgaforge.numerics.headers import ap_types_dir

    board_obj = get_board(board) if isinstance(board, str) else board
    out = Path(out_dir)
    mode = schedule.mode
    designer = Designer(qgraph, schedule, mode)
    design = designer.design()
    out.mkdir(parents=True, exist_ok=True)
    (out / "firmware").mkdir(exist_ok=True)
    (out / "tb").mkdir(exist_ok=True)
    clock = float(schedule.clock_mhz)
    host = board_obj.host
    zynq, alveo = host in ZYNQ_HOSTS, host in ALVEO_HOSTS
    ctx = {
        "d": design,
        "board": board_obj.name,
        "part": board_obj.part,
        "clock_mhz": f"{clock:g}",
        "period_ns": f"{1000.0 / clock:.3f}",
        "zynq": zynq,
        "alveo": alveo,
    }
    files: list[Path] = []

    def emit(rel: str, template: str, **extra) -> None:
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(template, **ctx, **extra))
        files.append(path)

    files += copy_kernels(design, out)
    files += write_tables(design, out)
    emit(f"firmware/{design.top}.h", "top.h.j2")
    emit(f"firmware/{design.top}.cpp", "top.cpp.j2")
    if mode == "tiled":
        path = out / "firmware" / "weights.bin"
        with path.open("wb") as handle:  # layer by layer: no joined copy of every weight
            for words in designer.lowering.wmem:  # "<i4" words (`Lowering.to_wmem`)
                handle.write(words.tobytes())
        files.append(path)
    emit(f"tb/{design.top}_tb.cpp", "tb.cpp.j2")
    files += write_vectors(design, qgraph, vectors, out)
    emit("run_hls.tcl", "run_hls.tcl.j2")
    emit("Makefile", "Makefile.j2")
    emit("config.mk", "config.mk.j2", ap_types=str(ap_types_dir()))
    emit("README.md", "README.md.j2")
    if zynq:
        mpsoc = host == "zynq-mpsoc-ps"
        emit(
            "vivado/block_design.tcl",
            "block_design.tcl.j2",
            ps=host,
            ps_ip="zynq_ultra_ps_e" if mpsoc else "processing_system7",
            ps_rule="zynq_ultra_ps_e" if mpsoc else "processing_system7",
        )
        emit(f"driver/{design.top}_driver.py", "driver.py.j2")
    if alveo:
        memory = (
            "HBM" if any(m.type.upper().startswith("HBM") for m in board_obj.memories) else "DDR"
        )
        emit("vitis/connectivity.cfg", "connectivity.cfg.j2", memory=memory)
        emit(f"host/{design.top}_host.py", "host.py.j2")
    return files
