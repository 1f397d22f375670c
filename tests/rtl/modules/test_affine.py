"""ff_affine (an activation times, plus or minus a constant) passes `verilator --lint-only
-Wall` and Icarus for its shapes; its arithmetic is checked bit-exact in whole networks
(tests/sim/test_rtlsim_tokens.py: a position table over 4 lanes, a fused scalar product)."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from fpgaforge.rtl.generator import VERILOG_DIR
from fpgaforge.sim.tools import tool_env

SHAPES = [
    {"MUL": 0, "LANES": 1, "P": 1, "IN_W": 14, "B_W": 11, "OUT_W": 15},
    {"MUL": 0, "LANES": 4, "P": 8, "IN_W": 8, "IN_SIGNED": 0, "B_W": 9, "OUT_W": 10},
    {"MUL": 1, "LANES": 1, "P": 1, "IN_W": 8, "S_W": 8, "B_W": 2, "OUT_W": 16},
    {"MUL": 1, "LANES": 3, "P": 5, "IN_W": 23, "S_W": 6, "B_W": 4, "OUT_W": 30},
]


@pytest.mark.parametrize("params", SHAPES, ids=lambda p: "-".join(map(str, p.values())))
def test_affine_lint_and_icarus(params: dict) -> None:
    tool_env("verilator")
    cmds = [
        ["verilator", "--lint-only", "-Wall", "ff_lint.vlt", "ff_affine.v",
         "--top-module", "ff_affine", *(f"-G{k}={v}" for k, v in params.items())],
    ]  # fmt: skip
    if shutil.which("iverilog") is not None:
        cmds.append(
            ["iverilog", "-g2005", "-o", os.devnull, "-s", "ff_affine", "ff_affine.v",
             *(f"-Pff_affine.{k}={v}" for k, v in params.items())]
        )  # fmt: skip
    for cmd in cmds:
        proc = subprocess.run(cmd, cwd=VERILOG_DIR, capture_output=True, text=True)
        assert proc.returncode == 0, (cmd, proc.stderr[-2000:])
