"""The shared precompiled header of C-simulation: built once per flag set and header contents,
reused across projects, left out when a project's kernels differ from the library's, and
never a condition of the result (the same verdict without it)."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import numpy as np
import pytest

from fpgaforge.flow import build
from fpgaforge.hls.csim import run_csim
from fpgaforge.hls.pch import precompiled_header
from fpgaforge.numerics.headers import ap_types_dir

pytestmark = pytest.mark.csim
MODELS = Path(__file__).resolve().parents[2] / "examples" / "models"


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    """One cache for the module: each header is built once and reused by later tests."""
    folder = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FPGAFORGE_CACHE", str(folder))
        yield folder


@pytest.fixture()
def mlp(cache, tmp_path) -> Path:
    out = tmp_path / "mlp"
    data = np.load(MODELS / "digits_mlp_test.npz")["x"]
    build(MODELS / "digits_mlp.onnx", "zcu104", "int8", out, calibration={"x": data}, vectors=12)
    return out


def test_header_is_built_once_and_shared(mlp, cache):
    flags = ["-O1", "-std=c++14", "-w"]
    first = precompiled_header(mlp / "hls", "g++", flags, ap_types_dir())
    assert first is not None and first.with_suffix(".h.gch").is_file()
    assert str(first).startswith(str(cache))
    stamp = first.with_suffix(".h.gch").stat().st_mtime_ns
    again = precompiled_header(mlp / "hls", "g++", flags, ap_types_dir())
    assert again == first and first.with_suffix(".h.gch").stat().st_mtime_ns == stamp
    other = precompiled_header(mlp / "hls", "g++", ["-O0", "-std=c++14", "-w"], ap_types_dir())
    assert other is not None and other != first


def test_edited_kernel_is_compiled_from_the_project(mlp):
    flags = ["-O1", "-std=c++14", "-w"]
    library = precompiled_header(mlp / "hls", "g++", flags, ap_types_dir())
    kernel = mlp / "hls" / "kernels" / "dense.h"
    kernel.write_text(kernel.read_text() + "\n// edited\n")
    edited = precompiled_header(mlp / "hls", "g++", flags, ap_types_dir())
    assert edited != library
    assert "kernels" not in edited.read_text()


def test_same_verdict_with_and_without(mlp):
    fast = run_csim(mlp, opt="-O1")
    plain = run_csim(mlp, opt="-O1", precompiled=False)
    assert fast.precompiled and not plain.precompiled
    assert fast.passed and plain.passed
    assert (fast.vectors, fast.mismatches, fast.max_diff) == (12, 0, 0)
    quick = run_csim(mlp, 3)
    assert quick.opt == "-O0" and quick.passed and quick.vectors == 3


def test_level_follows_the_work(mlp, monkeypatch):
    from fpgaforge.hls import csim

    hls = mlp / "hls"
    macs = csim._model_macs(hls)
    assert macs is not None and macs > 0
    assert csim._default_opt(hls, -1, "tb_data") == "-O0"  # 12 vectors of a small MLP
    monkeypatch.setattr(csim, "QUICK_MACS", 11 * macs)
    assert csim._default_opt(hls, -1, "tb_data") == "-O1"
    assert csim._default_opt(hls, 11, "tb_data") == "-O0"
    (mlp / "schedule.json").unlink()
    assert csim._default_opt(hls, 1, "tb_data") == "-O1"  # unknown work: optimise


def test_least_recently_used_headers_beyond_the_limit_are_removed(tmp_path):
    """Beyond MAX_HEADERS, headers unused for STALE_S go, oldest first; recent ones stay
    (a parallel compile may be reading them), and so does the one just built."""
    import os

    from fpgaforge.hls import pch

    now = 1_000_000_000.0
    folders = []
    for i in range(pch.MAX_HEADERS + 3):
        folder = tmp_path / f"h{i:02d}"
        folder.mkdir()
        (folder / "ff_csim.h").write_text("//")
        used = now - pch.STALE_S * (i + 1)  # h00 the most recently used
        os.utime(folder / "ff_csim.h", (used, used))
        folders.append(folder)
    recent = tmp_path / "recent"
    recent.mkdir()
    (recent / "ff_csim.h").write_text("//")
    os.utime(recent / "ff_csim.h", (now - 60, now - 60))
    keep = folders[-1]  # the oldest, but the one just built
    removed = pch.evict_stale(tmp_path, keep=keep, now=now)
    # kept: `keep`, `recent` and the MAX_HEADERS - 2 most recently used of the rest
    assert sorted(removed) == folders[pch.MAX_HEADERS - 2 : -1]
    assert keep.is_dir() and recent.is_dir()
    assert len([p for p in tmp_path.iterdir() if p.is_dir()]) == pch.MAX_HEADERS


def test_cache_hit_leaves_the_header_as_built(mlp):
    """A hit marks the folder's `last_use`, not the header: clang refuses a precompiled header
    whose source is newer than it, so a second clang++ C-simulation must still compile."""
    flags = ["-O0", "-std=c++14", "-w"]
    header = precompiled_header(mlp / "hls", "g++", flags, ap_types_dir())
    stamp = header.stat().st_mtime_ns
    time.sleep(0.01)
    assert precompiled_header(mlp / "hls", "g++", flags, ap_types_dir()) == header
    assert header.stat().st_mtime_ns == stamp
    assert (header.parent / "last_use").is_file()
    if shutil.which("clang++") is None:
        pytest.skip("clang++ is not installed")
    for _ in range(2):
        assert run_csim(mlp, cxx="clang++").passed
