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
from functools import cache
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "models"

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


# ---------------------------------------------------------------- base models


def _model(nodes, inputs, outputs, inits=(), opset=13) -> onnx.ModelProto:
    graph = helper.make_graph(nodes, "g", inputs, outputs, initializer=list(inits))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    return model


def _vi(name: str, shape, elem=TensorProto.FLOAT) -> onnx.ValueInfoProto:
    return helper.make_tensor_value_info(name, elem, shape)


def _built_models() -> dict[str, onnx.ModelProto]:
    rng = np.random.default_rng(0)
    f32 = np.float32
    models: dict[str, onnx.ModelProto] = {}
    w = numpy_helper.from_array(rng.standard_normal((8, 4)).astype(f32), "w")
    b = numpy_helper.from_array(rng.standard_normal(8).astype(f32), "b")
    models["gemm_relu"] = _model(
        [
            helper.make_node("Gemm", ["x", "w", "b"], ["h"], transB=1, name="fc"),
            helper.make_node("Relu", ["h"], ["y"], name="relu"),
        ],
        [_vi("x", [1, 4])],
        [_vi("y", [1, 8])],
        [w, b],
    )
    k = numpy_helper.from_array(rng.standard_normal((4, 2, 3, 3)).astype(f32), "k")
    models["conv_pool"] = _model(
        [
            helper.make_node("Conv", ["x", "k"], ["c"], pads=[1, 1, 1, 1], name="conv"),
            helper.make_node("MaxPool", ["c"], ["p"], kernel_shape=[2, 2], strides=[2, 2]),
            helper.make_node("Flatten", ["p"], ["y"], axis=1, name="flat"),
        ],
        [_vi("x", [1, 2, 6, 6])],
        [_vi("y", [1, 36])],
        [k],
    )
    shape = numpy_helper.from_array(np.array([1, -1], dtype=np.int64), "shape")
    models["shape_fold"] = _model(
        [
            helper.make_node("Shape", ["x"], ["s"], name="shape"),
            helper.make_node("Gather", ["s", "zero"], ["n"], axis=0, name="gather"),
            helper.make_node("Unsqueeze", ["n", "axes"], ["n1"], name="unsq"),
            helper.make_node("Concat", ["n1", "minus1"], ["target"], axis=0, name="cat"),
            helper.make_node("Reshape", ["x", "target"], ["r"], name="reshape"),
            helper.make_node("Reshape", ["r", "shape"], ["y"], name="reshape2"),
        ],
        [_vi("x", [1, 3, 4])],
        [_vi("y", [1, 12])],
        [
            shape,
            numpy_helper.from_array(np.array(0, dtype=np.int64), "zero"),
            numpy_helper.from_array(np.array([0], dtype=np.int64), "axes"),
            numpy_helper.from_array(np.array([-1], dtype=np.int64), "minus1"),
        ],
    )
    models["const_expand"] = _model(
        [
            helper.make_node(
                "ConstantOfShape",
                ["cshape"],
                ["ones"],
                value=numpy_helper.from_array(np.array([1.0], dtype=f32)),
                name="cos",
            ),
            helper.make_node("Expand", ["ones", "eshape"], ["e"], name="expand"),
            helper.make_node("Mul", ["x", "e"], ["y"], name="mul"),
        ],
        [_vi("x", [1, 4, 4])],
        [_vi("y", [1, 4, 4])],
        [
            numpy_helper.from_array(np.array([1, 4], dtype=np.int64), "cshape"),
            numpy_helper.from_array(np.array([1, 4, 4], dtype=np.int64), "eshape"),
        ],
    )
    models["softmax_transpose"] = _model(
        [
            helper.make_node("Transpose", ["x"], ["t"], perm=[0, 2, 1], name="tr"),
            helper.make_node("Add", ["t", "bias"], ["a"], name="add"),
            helper.make_node("Softmax", ["a"], ["y"], axis=-1, name="softmax"),
        ],
        [_vi("x", [1, 3, 5])],
        [_vi("y", [1, 5, 3])],
        [numpy_helper.from_array(rng.standard_normal(3).astype(f32), "bias")],
    )
    return models


@cache
def base_models() -> tuple[tuple[str, bytes], ...]:
    """(name, serialized model) of every base model: bundled examples, then built ones."""
    found = [(p.stem, p.read_bytes()) for p in sorted(EXAMPLES.glob("*.onnx"))]
    found += [(name, m.SerializeToString()) for name, m in _built_models().items()]
    return tuple(found)


# ---------------------------------------------------------------- mutations

HOSTILE_NAMES = (
    "a" * 5000,
    "x\ny\r\nz",
    '\'; system("rm -rf /"); //',
    "*/ module evil; /*",
    "../../etc/passwd",
    "\x00\x01\x1b[31mred",
    "",
    " ",
    "名前🙂",
    "$(reboot)",
    "{{ 7*7 }}",
    "\\",
)

ABSURD_INTS = (0, -1, -(2**31), 2**31 - 1, 2**62, -(2**63), 2**40, 65536, 3, 1)


def _pick(rng: np.random.Generator, items):
    return items[int(rng.integers(len(items)))]


def _all_names(model: onnx.ModelProto) -> list[str]:
    g = model.graph
    names = [v.name for v in (*g.input, *g.output, *g.value_info)]
    names += [t.name for t in g.initializer]
    for n in g.node:
        names += [*n.input, *n.output]
    return [n for n in names if n and isinstance(n, str)]  # a non-UTF-8 name reads as bytes


def _rename_everywhere(model: onnx.ModelProto, old: str, new: str) -> None:
    g = model.graph
    for v in (*g.input, *g.output, *g.value_info, *g.initializer):
        if v.name == old:
            v.name = new
    for n in g.node:
        for seq in (n.input, n.output):
            for i, name in enumerate(seq):
                if name == old:
                    seq[i] = new


def m_remove_node(model, rng):
    if model.graph.node:
        del model.graph.node[int(rng.integers(len(model.graph.node)))]


def m_duplicate_node(model, rng):
    if model.graph.node:
        node = model.graph.node[int(rng.integers(len(model.graph.node)))]
        model.graph.node.append(node)


def m_dangling_input(model, rng):
    nodes = [n for n in model.graph.node if n.input]
    if nodes:
        node = _pick(rng, nodes)
        node.input[int(rng.integers(len(node.input)))] = "nowhere_" + str(int(rng.integers(99)))
    elif model.graph.output:
        model.graph.output[0].name = "nowhere"


def m_cycle(model, rng):
    nodes = list(model.graph.node)
    if len(nodes) >= 2:
        i = int(rng.integers(len(nodes) - 1))
        j = int(rng.integers(i + 1, len(nodes)))
        if nodes[i].input and nodes[j].output:
            nodes[i].input[0] = nodes[j].output[0]
    elif nodes and nodes[0].input and nodes[0].output:
        nodes[0].input[0] = nodes[0].output[0]


def m_absurd_dims(model, rng):
    values = [*model.graph.input, *model.graph.output]
    if not values:
        return
    value = _pick(rng, values)
    dims = value.type.tensor_type.shape.dim
    choice = int(rng.integers(4))
    if choice == 0 and dims:
        dims[int(rng.integers(len(dims)))].dim_value = int(_pick(rng, ABSURD_INTS))
    elif choice == 1 and dims:
        dims[int(rng.integers(len(dims)))].dim_param = _pick(rng, ("N", "", "batch\n"))
    elif choice == 2:
        value.type.tensor_type.shape.dim.add().dim_value = int(_pick(rng, ABSURD_INTS))
    else:
        for d in dims:
            d.dim_value = 2**20


def m_absurd_attribute(model, rng):
    nodes = [n for n in model.graph.node if n.attribute]
    if nodes:
        attr = _pick(rng, _pick(rng, nodes).attribute)
        if attr.type == onnx.AttributeProto.INT:
            attr.i = int(_pick(rng, ABSURD_INTS))
        elif attr.type == onnx.AttributeProto.INTS and len(attr.ints):
            attr.ints[int(rng.integers(len(attr.ints)))] = int(_pick(rng, ABSURD_INTS))
            if rng.random() < 0.3:
                attr.ints.append(int(_pick(rng, ABSURD_INTS)))
        elif attr.type == onnx.AttributeProto.FLOAT:
            attr.f = float(_pick(rng, (np.nan, np.inf, -np.inf, 1e38, -0.0)))
        elif attr.type == onnx.AttributeProto.TENSOR:
            attr.t.dims.append(int(_pick(rng, ABSURD_INTS)))
        else:
            attr.type = onnx.AttributeProto.STRING
            attr.s = b"\xff\xfe"
    elif model.graph.node:
        node = _pick(rng, model.graph.node)
        node.attribute.append(helper.make_attribute("axis", int(_pick(rng, ABSURD_INTS))))


def m_wrong_dtype(model, rng):
    dtypes = (0, 2, 3, 6, 7, 8, 9, 10, 11, 14, 16, 17, 23, 99)
    if rng.random() < 0.5 and model.graph.initializer:
        _pick(rng, model.graph.initializer).data_type = int(_pick(rng, dtypes))
    elif model.graph.input:
        _pick(rng, model.graph.input).type.tensor_type.elem_type = int(_pick(rng, dtypes))


def m_initializer_size(model, rng):
    if not model.graph.initializer:
        return
    tensor = _pick(rng, model.graph.initializer)
    choice = int(rng.integers(4))
    if choice == 0 and tensor.raw_data:
        tensor.raw_data = tensor.raw_data[: int(rng.integers(len(tensor.raw_data)))]
    elif choice == 1 and tensor.dims:
        tensor.dims[int(rng.integers(len(tensor.dims)))] = int(_pick(rng, ABSURD_INTS))
    elif choice == 2:
        tensor.dims.append(int(_pick(rng, (2, 7, 2**31))))
    else:
        tensor.raw_data = tensor.raw_data + b"\x00" * int(rng.integers(1, 9))


def m_external_data(model, rng, side: dict[str, bytes]):
    if not model.graph.initializer:
        return
    tensor = _pick(rng, model.graph.initializer)
    try:
        raw = tensor.raw_data or numpy_helper.from_array(numpy_helper.to_array(tensor)).raw_data
    except Exception:  # already mutated past reading
        raw = b"\x00" * 16
    location = _pick(
        rng,
        ("weights.bin", "missing.bin", "../../../../etc/passwd", "/etc/passwd", "sub/../w.bin", ""),
    )
    if location == "weights.bin":
        cut = int(rng.integers(len(raw) + 1)) if rng.random() < 0.5 else len(raw)
        side["weights.bin"] = raw[:cut]
    tensor.ClearField("raw_data")
    tensor.ClearField("float_data")
    tensor.ClearField("int64_data")
    tensor.data_location = TensorProto.EXTERNAL
    del tensor.external_data[:]
    entry = tensor.external_data.add()
    entry.key, entry.value = "location", location
    if rng.random() < 0.4:
        entry = tensor.external_data.add()
        entry.key = _pick(rng, ("offset", "length"))
        entry.value = str(_pick(rng, (-5, 0, 3, 2**40, "x")))


def m_huge_shape(model, rng):
    """A node that would materialize an enormous tensor from tiny inputs."""
    big = int(_pick(rng, (2**16, 2**20, 2**31, 2**40)))
    g = model.graph
    kind = int(rng.integers(4))
    if kind == 0:
        g.initializer.append(
            numpy_helper.from_array(np.array([big, big], dtype=np.int64), "huge_shape")
        )
        g.node.insert(0, helper.make_node("ConstantOfShape", ["huge_shape"], ["huge"], name="cos"))
    elif kind == 1:
        g.initializer.append(numpy_helper.from_array(np.ones(1, np.float32), "one"))
        g.initializer.append(
            numpy_helper.from_array(np.array([big, 8, big], dtype=np.int64), "huge_shape")
        )
        g.node.insert(0, helper.make_node("Expand", ["one", "huge_shape"], ["huge"], name="exp"))
    elif kind == 2:
        g.initializer.append(numpy_helper.from_array(np.ones((2, 2), np.float32), "tile_in"))
        g.initializer.append(numpy_helper.from_array(np.array([big, big], dtype=np.int64), "reps"))
        g.node.insert(0, helper.make_node("Tile", ["tile_in", "reps"], ["huge"], name="tile"))
    else:
        start, limit, delta = (np.array(v, dtype=np.float32) for v in (0, big, 1e-3))
        for name, v in (("r0", start), ("r1", limit), ("r2", delta)):
            g.initializer.append(numpy_helper.from_array(v, name))
        g.node.insert(0, helper.make_node("Range", ["r0", "r1", "r2"], ["huge"], name="range"))
    if g.node and len(g.node) > 1 and rng.random() < 0.5:
        # feed it into the graph so it is not dead code
        consumer = g.node[int(rng.integers(1, len(g.node)))]
        if consumer.input:
            consumer.input[-1] = "huge"
    if rng.random() < 0.5:
        g.output.append(_vi("huge", None))


def m_hostile_name(model, rng):
    names = _all_names(model)
    if names:
        _rename_everywhere(model, _pick(rng, names), _pick(rng, HOSTILE_NAMES))
    if model.graph.node and rng.random() < 0.5:
        _pick(rng, model.graph.node).name = _pick(rng, HOSTILE_NAMES)


def m_opset(model, rng):
    del model.opset_import[:]
    version = int(_pick(rng, (0, 1, 8, 9, 11, 21, 22, 99, -3)))
    model.opset_import.append(helper.make_opsetid(_pick(rng, ("", "ai.onnx", "foo")), version))
    if rng.random() < 0.3:
        model.ir_version = int(_pick(rng, (0, 1, 3, 99)))


def m_unknown_op(model, rng):
    if model.graph.node:
        node = _pick(rng, model.graph.node)
        if rng.random() < 0.5:
            node.op_type = _pick(rng, ("Loop", "Scan", "NoSuchOp", "", "If", "Relu\n"))
        else:
            node.domain = _pick(rng, ("com.microsoft", "qonnx.custom_op.general", "x\ny"))


PROTO_MUTATIONS: dict[str, Callable] = {
    "remove_node": m_remove_node,
    "duplicate_node": m_duplicate_node,
    "dangling_name": m_dangling_input,
    "cycle": m_cycle,
    "absurd_dims": m_absurd_dims,
    "absurd_attribute": m_absurd_attribute,
    "wrong_dtype": m_wrong_dtype,
    "initializer_size": m_initializer_size,
    "external_data": m_external_data,
    "huge_shape": m_huge_shape,
    "hostile_name": m_hostile_name,
    "opset": m_opset,
    "unknown_op": m_unknown_op,
}


def _byte_flips(data: bytes, rng) -> bytes:
    buf = bytearray(data)
    for _ in range(int(rng.integers(1, 9))):
        if buf:
            buf[int(rng.integers(len(buf)))] ^= 1 << int(rng.integers(8))
    return bytes(buf)


def _truncate(data: bytes, rng) -> bytes:
    return data[: int(rng.integers(len(data)))] if data else data


def _non_utf8_name(data: bytes, model: onnx.ModelProto, rng) -> bytes:
    """Replace one name's bytes in the serialized model with invalid UTF-8 of the same length."""
    names = sorted({n for n in _all_names(model) if len(n.encode()) >= 2})
    if not names:
        return data
    raw = _pick(rng, names).encode()
    bad = bytes([0xFF, 0xC3] + [0x28] * (len(raw) - 2))
    return data.replace(raw, bad)


BYTE_MUTATIONS = ("byte_flip", "truncate", "non_utf8_name")
MUTATIONS = tuple(PROTO_MUTATIONS) + BYTE_MUTATIONS


def make_case(seed: int, index: int) -> Case:
    """The `index`-th case of the run seeded with `seed` (the same pair gives the same case)."""
    rng = np.random.default_rng([seed, index])
    name, data = _pick(rng, base_models())
    model = onnx.ModelProto.FromString(data)
    side: dict[str, bytes] = {}
    applied = []
    for _ in range(int(rng.integers(1, 4))):
        kind = _pick(rng, MUTATIONS)
        applied.append(kind)
        if kind in BYTE_MUTATIONS:
            try:
                data = model.SerializeToString()
            except Exception:
                break
            try:
                if kind == "byte_flip":
                    data = _byte_flips(data, rng)
                elif kind == "truncate":
                    data = _truncate(data, rng)
                else:
                    data = _non_utf8_name(data, model, rng)
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
