"""Build and run a per-module cocotb bench on Verilator (shared by tests/rtl/modules)."""

from __future__ import annotations

import sys
from pathlib import Path

from fpgaforge.rtl.generator import VERILOG_DIR
from fpgaforge.sim.tools import tool_env

HERE = Path(__file__).parent


def run_bench(
    top: str, modules: list[str], bench: str, build_dir: Path, parameters: dict | None = None
) -> Path:
    """Compile `modules` (library names) with the library modules they instantiate
    (`generator.DEPENDS`) plus `hdl/<top>.v` when it exists, run `bench`."""
    from cocotb_tools.runner import get_runner

    from fpgaforge.rtl.generator import DEPENDS

    tool_env("verilator")
    needed = [d for m in modules for d in DEPENDS.get(m, ())] + list(modules)
    sources = [VERILOG_DIR / f"{m}.v" for m in dict.fromkeys(needed)]
    wrapper = HERE / "hdl" / f"{top}.v"
    if wrapper.exists():
        sources.append(wrapper)
    runner = get_runner("verilator")
    runner.build(
        sources=sources,
        hdl_toplevel=top,
        build_dir=build_dir,
        parameters=parameters or {},
        build_args=[str(VERILOG_DIR / "ff_lint.vlt"), "-Wno-fatal"],
        timescale=("1ns", "1ps"),
        log_file=build_dir / "build.log",
    )
    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))
    return runner.test(
        test_module=bench,
        hdl_toplevel=top,
        build_dir=build_dir,
        test_dir=HERE,
        parameters=parameters or {},
        results_xml=str(build_dir / "results.xml"),
        log_file=build_dir / "test.log",
    )


def failures(results_xml: Path) -> int:
    """Failed test cases in a cocotb results file."""
    from cocotb_tools.runner import get_results

    _, failed = get_results(results_xml)
    return failed


# ---- streaming module benches (stream_bench.py) --------------------------------------


def pack(values: list[int], width: int) -> int:
    """Lane 0 in the low bits; negative values in two's complement."""
    word = 0
    for i, v in enumerate(values):
        word |= (int(v) & ((1 << width) - 1)) << (i * width)
    return word


def unpack(word: int, lanes: int, width: int, signed: bool) -> list[int]:
    """The inverse of `pack`."""
    out = []
    for i in range(lanes):
        v = (word >> (i * width)) & ((1 << width) - 1)
        if signed and v >> (width - 1):
            v -= 1 << width
        out.append(v)
    return out


def write_hex(path: Path, words: list[int], width: int) -> str:
    """A `$readmemh` image, one `width`-bit word per line; returns the path as a string."""
    digits = max(1, -(-width // 4))
    mask = (1 << width) - 1
    path.write_text("".join(f"{w & mask:0{digits}x}\n" for w in words))
    return str(path)


def run_stream(
    module: str,
    parameters: dict,
    beats: list[int],
    outputs: int,
    build_dir: Path,
    extra_modules: tuple[str, ...] = (),
    stall: float = 0.0,
    seed: int = 0,
) -> dict[str, list[int]]:
    """Run `module` on `beats` (full-rate input; output back-pressure in a `stall` share of
    cycles, 0: none); return the cycles of every input/output handshake (`in_at`, `out_at`)
    and the output words (`out_data`)."""
    import json

    build_dir.mkdir(parents=True, exist_ok=True)
    job = build_dir / "job.json"
    result = build_dir / "result.json"
    job.write_text(
        json.dumps(
            {
                "beats": beats,
                "outputs": outputs,
                "result": str(result),
                "stall": stall,
                "seed": seed,
            }
        )
    )
    import os

    os.environ["FF_STREAM_JOB"] = str(job)
    run_bench(module, [*extra_modules, module], "stream_bench", build_dir, parameters)
    return json.loads(result.read_text())


def cycles_of(run: dict[str, list[int]], in_per_frame: int, out_per_frame: int) -> tuple[int, int]:
    """(latency, interval) of a run over several frames: latency counts from the first
    input handshake to the last output beat of frame 0, inclusive (as the top bench does);
    the interval is the distance between the last output beats of the last two frames."""
    ins, outs = run["in_at"], run["out_at"]
    frames = len(outs) // out_per_frame
    last = [outs[(f + 1) * out_per_frame - 1] for f in range(frames)]
    latency = last[0] - ins[0] + 1
    interval = last[-1] - last[-2] if frames > 1 else latency
    return latency, interval
