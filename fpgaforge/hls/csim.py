"""C-simulation: compile a project's testbench with g++ and compare every output code."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from fpgaforge.hls.errors import CsimError


@dataclass(frozen=True)
class CsimResult:
    """Outcome of one C-simulation."""

    vectors: int
    mismatches: int
    max_diff: int
    compile_s: float
    run_s: float
    output: str
    opt: str = "-O1"
    precompiled: bool = False
    codes: int = 0  # codes compared, when the testbench counts them (the decode step's)

    @property
    def passed(self) -> bool:
        return self.mismatches == 0 and self.vectors > 0


def find_project(path: str | os.PathLike) -> Path:
    """The HLS folder: `path` itself or `path/hls` (a `fpgaforge build` output)."""
    root = Path(path)
    for candidate in (root, root / "hls"):
        if (candidate / "Makefile").is_file() and (candidate / "tb").is_dir():
            return candidate
    raise CsimError(
        f"'{root}' holds no HLS project (no Makefile and tb/ in it or in its hls/ folder); run `fpgaforge build` first."
    )


def _top(project: Path) -> str:
    tbs = sorted((project / "tb").glob("*_tb.cpp"))
    if not tbs:
        raise CsimError(f"'{project / 'tb'}' holds no *_tb.cpp testbench.")
    return tbs[0].name[: -len("_tb.cpp")]


def run_csim(
    out_dir: str | os.PathLike,
    vectors=None,
    *,
    cxx: str = "g++",
    opt: str | None = None,
    precompiled: bool = True,
    timeout_s: float = 600.0,
) -> CsimResult:
    """Compile and run the testbench of the project in `out_dir` (or `out_dir/hls`).

    Everything it writes goes to the project's `build/` folder (the executable,
    `csim_results.txt`, the verdict `csim_result.json` and, for given vectors, `build/tb_data/`): the rest of the project
    is left byte-identical.

    `vectors`: None for every stored vector, an int for the first N, or a `TestVectors` whose
    codes replace the stored ones. `opt`: the g++ optimisation level; by default -O0 for a
    quick check of at most QUICK_MACS multiply-accumulates in all (compiles fastest) and
    -O1 otherwise (runs 10-30x faster for a few tenths of a second more compiling).
    `precompiled`: use the shared precompiled header (`fpgaforge.hls.pch`)."""
    from fpgaforge.hls.pch import precompiled_header
    from fpgaforge.numerics.headers import ap_types_dir

    project = find_project(out_dir)
    top = _top(project)
    if shutil.which(cxx) is None:
        raise CsimError(
            f"The C++ compiler {cxx!r} was not found on PATH; install g++ to run C-simulation."
        )
    limit = -1
    build = project / "build"
    build.mkdir(exist_ok=True)
    data_dir = "tb_data"
    if vectors is not None and not isinstance(vectors, int):
        # given vectors go to build/tb_data: the project's own tb_data/ stays as written
        _rewrite_vectors(project, build / "tb_data", vectors)
        data_dir = "build/tb_data"
    elif isinstance(vectors, int):
        limit = vectors
    if opt is None:
        opt = _default_opt(project, limit, data_dir)
    exe = build / f"{top}_tb"
    flags = [opt, "-std=c++14", "-w"]
    start = time.perf_counter()
    header = precompiled_header(project, cxx, flags, ap_types_dir()) if precompiled else None
    include = ["-include", str(header)] if header else []
    common = [cxx, *flags, *include, f"-I{ap_types_dir()}", "-Ikernels", "-Ifirmware"]
    units = {"firmware": f"firmware/{top}.cpp", "tb": f"tb/{top}_tb.cpp"}
    # the two translation units compile in parallel, then link
    procs = {
        name: subprocess.Popen(
            [*common, "-c", source, "-o", f"build/{name}.o"],
            cwd=project,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name, source in units.items()
    }
    errors = ""
    for proc in procs.values():
        _, err = proc.communicate(timeout=timeout_s)
        if proc.returncode != 0:
            errors += err
    if not errors:
        link = subprocess.run(
            [cxx, "build/firmware.o", "build/tb.o", "-o", str(exe.relative_to(project))],
            cwd=project,
            capture_output=True,
            text=True,
            timeout=timeout_s,
        )
        errors = link.stderr if link.returncode != 0 else ""
    compile_s = time.perf_counter() - start
    if errors:
        first = next((ln for ln in errors.splitlines() if "error" in ln), errors.strip()[:300])
        raise CsimError(f"{cxx} failed to compile the testbench of '{project}': {first.strip()}")
    start = time.perf_counter()
    run = subprocess.run(
        [str(exe.resolve()), str(limit), data_dir, "build"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        preexec_fn=_large_stack,
    )
    run_s = time.perf_counter() - start
    numbers = {
        k: int(v)
        for k, v in re.findall(r"^(vectors|mismatches|max_diff) (-?\d+)$", run.stdout, re.M)
    }
    if run.returncode not in (0, 1) or len(numbers) != 3:
        raise CsimError(
            f"The testbench of '{project}' failed (exit code {run.returncode}): "
            f"{(run.stdout + run.stderr).strip()[-300:]}"
        )
    result = CsimResult(
        numbers["vectors"],
        numbers["mismatches"],
        numbers["max_diff"],
        compile_s,
        run_s,
        run.stdout,
        opt,
        header is not None,
        int(codes.group(1)) if (codes := re.search(r"^codes (\d+)$", run.stdout, re.M)) else 0,
    )
    record = {k: v for k, v in result.__dict__.items() if k != "output"}
    (build / "csim_result.json").write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
    return result


def _large_stack() -> None:
    """In the testbench process: the stack as large as allowed. The kernels keep their
    line buffers and partial sums in locals, as synthesis wants them, which overflows the
    default 8 MB stack for model-zoo layers (AlexNet's first conv and pooling)."""
    import resource

    _, hard = resource.getrlimit(resource.RLIMIT_STACK)
    try:
        resource.setrlimit(resource.RLIMIT_STACK, (hard, hard))
    except (ValueError, OSError):
        pass


QUICK_MACS = 1_000_000
"""Up to this many multiply-accumulates in all (vectors x the model's MACs) C-simulation
compiles at -O0 (a quick check; -O0 runs about 250 ns per MAC, so beyond this the
-O1 compile, a few tenths of a second longer, pays for itself); more, or unknown, at -O1."""


def _default_opt(project: Path, limit: int, data_dir: str) -> str:
    """-O0 when the run is small enough that compiling faster wins, else -O1."""
    count = limit if limit >= 0 else (_stored_count(project) if data_dir == "tb_data" else None)
    macs = _model_macs(project)
    if count is None or macs is None:
        return "-O1"
    return "-O0" if count * macs <= QUICK_MACS else "-O1"


def _model_macs(project: Path) -> int | None:
    """MACs per inference from the build's `schedule.json` beside `hls/`, or per token from a
    decode build's `estimate.json` (None: unknown)."""
    try:
        data = json.loads((project.parent / "schedule.json").read_text())
        return int(data["estimates"]["total"]["macs"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    try:
        return int(json.loads((project.parent / "estimate.json").read_text())["macs_per_token"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _stored_count(project: Path) -> int | None:
    """Vectors stored in the project's tb_data/ (lines of the first expected-output file)."""
    files = sorted((project / "tb_data").glob("*_expected.txt"))
    if not files:
        return None
    with files[0].open() as handle:
        return sum(1 for line in handle if line.strip())


def _rewrite_vectors(project: Path, folder: Path, vectors) -> None:
    """Write `vectors` into `folder` (same files, ports and stream order as the project's tb_data/)."""
    import numpy as np

    from fpgaforge.hls.names import Namer
    from fpgaforge.units import layout

    folder.mkdir(parents=True, exist_ok=True)
    namer = Namer(("in", "out", "wmem", "n"))
    for name, codes in sorted(vectors.input_codes.items()):
        ident = namer.name(name, "in")
        _dump(
            folder / f"{ident}.txt",
            layout.to_stream(np.asarray(codes), (1, *codes.shape[1:])),
        )
    expected = sorted((project / "tb_data").glob("*_expected.txt"))
    if len(expected) != len(vectors.output_codes):
        raise CsimError("The given vectors have a different number of outputs than the project.")
    for path, (_, codes) in zip(expected, sorted(vectors.output_codes.items()), strict=True):
        _dump(folder / path.name, layout.to_stream(np.asarray(codes), (1, *codes.shape[1:])))


def _dump(path: Path, codes) -> None:
    path.write_text("\n".join(" ".join(str(int(c)) for c in row) for row in codes.tolist()) + "\n")
