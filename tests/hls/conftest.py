"""Shared helpers of the HLS tests: compile small C++ programs against the kernels once per session."""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

import pytest

from fpgaforge.numerics.headers import ap_types_dir

KERNELS = Path(__file__).resolve().parents[2] / "fpgaforge" / "hls" / "kernels"
CPP = Path(__file__).parent / "kernels"
CACHE = (
    Path(os.environ.get("FPGAFORGE_CACHE_DIR", Path.home() / ".cache" / "fpgaforge"))
    / "hls_kernel_tests"
)


def compile_test(name: str) -> Path:
    """Compile tests/hls/kernels/<name>.cpp (cached by the hash of its source and the kernels)."""
    source = CPP / f"{name}.cpp"
    digest = hashlib.sha256(source.read_bytes())
    for header in sorted(KERNELS.glob("*.h")):
        digest.update(header.read_bytes())
    exe = CACHE / f"{name}-{digest.hexdigest()[:16]}"
    if not exe.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        tmp = exe.with_suffix(f".tmp{os.getpid()}")
        subprocess.run(
            [
                "g++",
                "-O1",
                "-std=c++14",
                "-w",
                f"-I{ap_types_dir()}",
                f"-I{KERNELS}",
                str(source),
                "-o",
                str(tmp),
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        tmp.rename(exe)
    return exe


def run_test(name: str, numbers) -> list[int]:
    """Run a compiled kernel test with whitespace-separated integers on stdin; returns its output ints."""
    text = "\n".join(
        " ".join(str(int(v)) for v in row) if isinstance(row, list | tuple) else str(int(row))
        for row in numbers
    )
    out = subprocess.run(
        [str(compile_test(name))], input=text, capture_output=True, text=True, check=True
    )
    return [int(v) for v in out.stdout.split()]


@pytest.fixture
def kernel():
    return run_test
