"""RTL backend: parameterized Verilog-2001 modules (`verilog/`), a generated streaming top,
ROM images, a cocotb testbench (`write_project`) and yosys synthesis (`fpgaforge.rtl.synth`).

The top is planned by a generic driver over the schedule's stages (`planner.py`); each
unit kit's `rtl.py` builds its instances. Simulation lives one layer up, in `sim/`."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def write_project(
    qgraph: Any, schedule: Any, board: Any, vectors: Any, out_dir: str | Path
) -> list[Path]:
    """Write the RTL project of a quantized graph and its schedule into `out_dir`; returns the files."""
    from fpgaforge.rtl.project import write_project as _write

    return _write(qgraph, schedule, board, vectors, out_dir)


__all__ = ["write_project"]
