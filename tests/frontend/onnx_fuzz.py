"""A seeded mutation fuzzer over ONNX models, shared by the test suite and `bench/fuzz_import.py`.

`make_case(seed, index)` takes a base model (the bundled examples and a few small models
built with onnx.helper) and applies one to three mutations: byte flips, truncation,
removed or duplicated nodes, dangling names, cycles, absurd dimensions and attributes,
wrong dtypes and initializer sizes, external data references, huge declared shapes,
hostile and non-UTF-8 names. `run_cases(cases, jobs, timeout_s, memory_mb)` imports each
case with `fpgaforge.load` in a forked child (address space capped, wall time limited) and
sorts it into one outcome of `OUTCOMES`.
"""

from __future__ import annotations

import os
import pickle
import resource
import select
import signal
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import onnx

from tests.frontend.onnx_mutations import (
    BYTE_MUTATIONS,
    MUTATIONS,
    PROTO_MUTATIONS,
    base_models,
    byte_flips,
    non_utf8_name,
    pick,
    truncate,
)

OUTCOMES = (
    "accepted",
    "clean error",
    "bad message",
    "uncaught exception",
    "crash",
    "hang",
    "memory",
)
"""accepted: a Graph came back; clean error: an FpgaforgeError of at most 3 lines; bad
message: an FpgaforgeError whose message is longer; uncaught exception: any other exception;
crash: the child died by a signal; hang: over the time limit; memory: MemoryError or a peak
above the memory limit."""


@dataclass(frozen=True)
class Case:
    """One fuzz case: the model bytes, side files next to it, and what was done to it."""

    index: int
    base: str
    mutations: tuple[str, ...]
    model: bytes
    side_files: tuple[tuple[str, bytes], ...] = ()


@dataclass
class Result:
    case: Case
    outcome: str
    detail: str = ""
    seconds: float = 0.0
    peak_mb: float = 0.0


@dataclass
class Summary:
    counts: Counter = field(default_factory=Counter)
    failures: list[Result] = field(default_factory=list)

    def add(self, result: Result) -> None:
        self.counts[result.outcome] += 1
        if result.outcome not in ("accepted", "clean error"):
            self.failures.append(result)


def make_case(seed: int, index: int) -> Case:
    """The `index`-th case of the run seeded with `seed` (the same pair gives the same case)."""
    rng = np.random.default_rng([seed, index])
    name, data = pick(rng, base_models())
    model = onnx.ModelProto.FromString(data)
    side: dict[str, bytes] = {}
    applied = []
    for _ in range(int(rng.integers(1, 4))):
        kind = pick(rng, MUTATIONS)
        applied.append(kind)
        if kind in BYTE_MUTATIONS:
            try:
                data = model.SerializeToString()
            except Exception:
                break
            try:
                if kind == "byte_flip":
                    data = byte_flips(data, rng)
                elif kind == "truncate":
                    data = truncate(data, rng)
                else:
                    data = non_utf8_name(data, model, rng)
                model = onnx.ModelProto.FromString(data)
            except Exception:
                return Case(index, name, tuple(applied), data, tuple(side.items()))
            continue
        mutate = PROTO_MUTATIONS[kind]
        try:
            if kind == "external_data":
                mutate(model, rng, side)
            else:
                mutate(model, rng)
        except Exception:  # a field the mutation cannot hold (e.g. a name read as bytes)
            continue
    try:
        data = model.SerializeToString()
    except Exception:  # a name the protobuf runtime cannot encode: keep the last bytes
        pass
    return Case(index, name, tuple(applied), data, tuple(side.items()))


def make_cases(seed: int, count: int, start: int = 0) -> Iterator[Case]:
    for index in range(start, start + count):
        yield make_case(seed, index)


# ---------------------------------------------------------------- running


def classify_error(exc: BaseException) -> tuple[str, str]:
    """(outcome, detail) of an exception raised by `fpgaforge.load`."""
    from fpgaforge.errors import FpgaforgeError

    if isinstance(exc, MemoryError):
        return "memory", "".join(traceback.format_exception(exc)[-6:])[-2000:]
    if isinstance(exc, FpgaforgeError):
        message = str(exc)
        if message.count("\n") > 2 or len(message) > 3 * 160 or not message.strip():
            return "bad message", message[:500]
        return "clean error", message
    tb = traceback.format_exception(exc)
    return "uncaught exception", "".join(tb[-6:])[-2000:]


FUZZ_MAX_ELEMENTS = 2**24
"""The tensor size limit (`FPGAFORGE_MAX_ELEMENTS`) the cases run with: 64 MiB of float32,
so that the limit, not the machine, decides what a hostile model may allocate."""


def _child(case: Case, folder: str, memory_mb: int, write) -> None:
    import warnings

    import fpgaforge

    os.environ.setdefault("FPGAFORGE_MAX_ELEMENTS", str(FUZZ_MAX_ELEMENTS))
    limit = _vm_bytes() + memory_mb * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    case_dir = Path(folder)
    for rel, data in case.side_files:
        (case_dir / rel).write_bytes(data)
    path = case_dir / "model.onnx"
    path.write_bytes(case.model)
    start = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fpgaforge.load(path)
        outcome, detail = "accepted", ""
    except BaseException as exc:  # noqa: BLE001  (the point is to see everything)
        outcome, detail = classify_error(exc)
    write(pickle.dumps((outcome, detail, time.perf_counter() - start)))


def _vm_bytes() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def run_cases(
    cases: Iterable[Case],
    *,
    jobs: int = 1,
    timeout_s: float = 20.0,
    memory_mb: int = 1024,
    on_result: Callable[[Result], None] | None = None,
) -> Summary:
    """Import every case in a forked child (at most `jobs` at once); returns the outcome counts.

    A child's address space is capped at its size at fork plus `memory_mb`, so an
    allocation above the limit fails with MemoryError ("memory") instead of swapping."""
    import fpgaforge  # noqa: F401  (imported once, before forking)

    summary = Summary()
    running: dict[int, tuple[Case, int, float, str]] = {}
    pending = iter(cases)
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with tempfile.TemporaryDirectory(prefix="fpgaforge-fuzz-") as root:
        exhausted = False
        while True:
            while not exhausted and len(running) < jobs:
                case = next(pending, None)
                if case is None:
                    exhausted = True
                    break
                folder = tempfile.mkdtemp(dir=root)
                read_fd, write_fd = os.pipe()
                pid = os.fork()
                if pid == 0:  # the child
                    os.close(read_fd)
                    code = 0
                    try:
                        with os.fdopen(write_fd, "wb") as sink:
                            _child(case, folder, memory_mb, sink.write)
                    except BaseException:
                        code = 3
                    os._exit(code)
                os.close(write_fd)
                running[pid] = (case, read_fd, time.monotonic(), folder)
            if not running:
                break
            _collect(running, summary, timeout_s, memory_mb, base_rss, on_result)
    return summary


def _collect(running, summary, timeout_s, memory_mb, base_rss, on_result) -> None:
    fds = {fd: pid for pid, (_, fd, _, _) in running.items()}
    ready, _, _ = select.select(list(fds), [], [], 0.05)
    now = time.monotonic()
    finished: list[tuple[int, str, str, float]] = []
    for fd in ready:
        pid = fds[fd]
        finished.append((pid, *_finish(pid, running, memory_mb, base_rss)))
    for pid, (_case, _fd, started, _) in list(running.items()):
        if pid in {f[0] for f in finished}:
            continue
        if now - started > timeout_s:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            finished.append((pid, "hang", f"over {timeout_s:g} s", now - started))
    for pid, outcome, detail, seconds in finished:
        case, fd, _, folder = running.pop(pid)
        os.close(fd)
        _remove(folder)
        result = Result(case, outcome, detail, seconds)
        summary.add(result)
        if on_result is not None:
            on_result(result)


def _finish(pid: int, running, memory_mb: int, base_rss: float) -> tuple[str, str, float]:
    case, fd, started, _ = running[pid]
    chunks = []
    while True:
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        chunks.append(chunk)
    _, status, usage = os.wait4(pid, 0)
    seconds = time.monotonic() - started
    if os.WIFSIGNALED(status):
        return "crash", f"signal {os.WTERMSIG(status)}", seconds
    try:
        outcome, detail, seconds = pickle.loads(b"".join(chunks))
    except Exception:
        return "crash", f"exit code {os.WEXITSTATUS(status)} without a result", seconds
    peak_mb = usage.ru_maxrss / 1024 - base_rss
    if peak_mb > memory_mb:
        return "memory", f"peak {peak_mb:.0f} MB above the parent's", seconds
    return outcome, detail, seconds


def _remove(folder: str) -> None:
    for name in os.listdir(folder):
        path = os.path.join(folder, name)
        if os.path.isdir(path):
            _remove(path)
        else:
            os.unlink(path)
    os.rmdir(folder)
