"""Proof of fpgaforge's ap_fixed emulation against the real ap_fixed.h (hls4ml's ap_types).

`ap_fixed_harness.cpp` runs casts and arithmetic through the headers. A `HarnessSpec`
lists the kernels to instantiate (double -> type conversions, type -> type casts,
+/-/* on type pairs); the instance lists are generated from it, compiled once with
g++ in parallel translation units and cached under ``$FPGAFORGE_CACHE_DIR``
(default ``~/.cache/fpgaforge``) keyed by a hash of the sources, the headers and
the compiler. `Harness.run` batches every request through one process with
binary I/O. The emulation must agree bit for bit on every case.
"""

from __future__ import annotations

import hashlib
import math
import os
import shutil
import subprocess
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fpgaforge.numerics import fixed
from fpgaforge.numerics.headers import ap_types_dir
from fpgaforge.numerics.modes import Overflow, Rounding
from fpgaforge.numerics.result_types import add_type, mul_type, sub_type
from fpgaforge.numerics.types import Fixed

HARNESS_CPP = Path(__file__).with_name("ap_fixed_harness.cpp")
CXXFLAGS = ["-std=c++14", "-O0", "-DNDEBUG", "-w"]
CONV, CAST, ADD, SUB, MUL = range(5)
ARITH_KINDS = {"add": ADD, "sub": SUB, "mul": MUL}
MODE_PAIRS = [(q, o) for q in Rounding for o in Overflow]


@dataclass
class HarnessSpec:
    """Kernels to compile: conv types, (src, dst) cast pairs, (a, b) arithmetic pairs."""

    conv: list[Fixed] = field(default_factory=list)
    cast: list[tuple[Fixed, Fixed]] = field(default_factory=list)
    arith: list[tuple[Fixed, Fixed]] = field(default_factory=list)

    def instance_lines(self) -> list[str]:
        lines = []
        for i, t in enumerate(self.conv):
            lines.append(f"static const Registrar c{i}(conv_entry<{_cpp(t)} >({i}));")
        for i, (s, d) in enumerate(self.cast):
            lines.append(f"static const Registrar k{i}(cast_entry<{_cpp(s)}, {_cpp(d)} >({i}));")
        for i, (a, b) in enumerate(self.arith):
            for name, kind in ARITH_KINDS.items():
                lines.append(
                    f"static const Registrar {name}{i}(arith_entry<{_cpp(a)}, {_cpp(b)}, {kind}>({i}));"
                )
        return lines


def _cpp(t: Fixed) -> str:
    # Always spell all modes: the harness must not depend on Fixed.cpp() being right.
    name = "ap_fixed" if t.signed else "ap_ufixed"
    return f"{name}<{t.width}, {t.int_bits}, {t.rounding.cpp}, {t.overflow.cpp}>"


def random_type(
    rng: np.random.Generator, rounding=Rounding.TRN, overflow=Overflow.WRAP, max_width: int = 32
) -> Fixed:
    """A type with width 1..max_width and int_bits in [-4, width + 4], edges favoured."""
    if rng.random() < 0.25:
        width = int(rng.choice([1, 2, 3, max_width - 1, max_width]))
    else:
        width = int(rng.integers(1, max_width + 1))
    if rng.random() < 0.25:
        int_bits = int(rng.choice([-4, 0, 1, width, width + 4]))
    else:
        int_bits = int(rng.integers(-4, width + 5))
    return Fixed(width, int_bits, bool(rng.random() < 0.5), rounding, overflow)


def make_spec(seed: int, conv_per_pair: int, cast_per_pair: int, arith_pairs: int) -> HarnessSpec:
    """Sample a spec: per rounding x overflow pair, conv and cast kernels; plus arithmetic."""
    rng = np.random.default_rng(seed)
    spec = HarnessSpec()
    for q, o in MODE_PAIRS:
        spec.conv += [random_type(rng, q, o) for _ in range(conv_per_pair)]
        spec.cast += [(random_type(rng), random_type(rng, q, o)) for _ in range(cast_per_pair)]
    spec.arith = [(random_type(rng), random_type(rng)) for _ in range(arith_pairs)]
    return spec


def _cache_root() -> Path:
    root = os.environ.get("FPGAFORGE_CACHE_DIR")
    return Path(root) if root else Path.home() / ".cache" / "fpgaforge"


def _compiler_id(cxx: str) -> str:
    return subprocess.run([cxx, "--version"], capture_output=True, text=True, check=True).stdout


class Harness:
    """A compiled harness binary for one `HarnessSpec`."""

    def __init__(self, spec: HarnessSpec, parts: int | None = None, cxx: str = "g++") -> None:
        self.spec = spec
        self.cxx = cxx
        self.parts = parts or max(2, min(8, os.cpu_count() or 2))
        self.compile_seconds = 0.0
        self.binary = self._build()
        self.result_types = self._describe()

    def _build(self) -> Path:
        headers = ap_types_dir()
        lines = self.spec.instance_lines()
        digest = hashlib.sha256()
        for text in (HARNESS_CPP.read_text(), "\n".join(lines), " ".join(CXXFLAGS)):
            digest.update(text.encode())
        digest.update(_compiler_id(self.cxx).encode())
        for name in sorted(os.listdir(headers)):
            if name.endswith(".h"):
                digest.update((headers / name).read_bytes())
        key = digest.hexdigest()[:20]
        final = _cache_root() / "ap_fixed_harness" / key
        binary = final / "harness"
        if binary.is_file():
            return binary
        final.parent.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        work = Path(tempfile.mkdtemp(prefix="build-", dir=final.parent))
        try:
            self._compile(work, lines, headers)
            try:
                os.replace(work, final)
            except OSError:  # another process won the race; use its binary
                pass
        finally:
            shutil.rmtree(work, ignore_errors=True)
        self.compile_seconds = time.perf_counter() - start
        return binary

    def _compile(self, work: Path, lines: list[str], headers: Path) -> None:
        chunks = [lines[i :: self.parts] for i in range(self.parts)]
        base = [self.cxx, *CXXFLAGS, f"-I{headers}", "-c", str(HARNESS_CPP)]
        jobs = [subprocess.Popen([*base, "-DHARNESS_MAIN", "-o", str(work / "main.o")])]
        for i, chunk in enumerate(chunks):
            inc = work / f"instances_{i}.inc"
            inc.write_text("\n".join(chunk) + "\n")
            define = f'-DHARNESS_INSTANCES="{inc}"'
            jobs.append(subprocess.Popen([*base, define, "-o", str(work / f"part_{i}.o")]))
        failed = [job.args for job in jobs if job.wait() != 0]
        if failed:
            raise RuntimeError(f"g++ failed: {failed[0]}")
        objects = [str(p) for p in sorted(work.glob("*.o"))]
        subprocess.run([self.cxx, *objects, "-o", str(work / "harness")], check=True)

    def _describe(self) -> dict[tuple[int, int], tuple[int, int, bool]]:
        out = subprocess.run(
            [str(self.binary), "--describe"], capture_output=True, text=True, check=True
        ).stdout
        table = {}
        for line in out.splitlines():
            kind, ident, width, iwidth, signed = (int(v) for v in line.split())
            table[(kind, ident)] = (width, iwidth, bool(signed))
        return table

    def run(self, requests: list[tuple[int, int, np.ndarray]]) -> list[np.ndarray]:
        """Run ``(kind, id, int64 payload)`` requests; returns raw uint64 outputs per request.

        Payloads: conv takes float64 bits viewed as int64; cast takes source codes;
        add/sub/mul take an (n, 2) array of operand codes and return (n, 2) (lo, hi).
        """
        chunks, sizes = [], []
        for kind, ident, payload in requests:
            data = np.ascontiguousarray(payload, dtype=np.int64)
            n = data.shape[0]
            chunks += [np.array([kind, ident], np.int32).tobytes(), np.int64(n).tobytes()]
            chunks.append(data.tobytes())
            sizes.append(data.size)
        proc = subprocess.run(
            [str(self.binary)], input=b"".join(chunks), capture_output=True, check=False
        )
        if proc.returncode != 0:
            raise RuntimeError(f"harness failed ({proc.returncode}): {proc.stderr[-2000:]!r}")
        flat = np.frombuffer(proc.stdout, dtype=np.uint64)
        if flat.size != sum(sizes):
            raise RuntimeError(f"harness returned {flat.size} words, expected {sum(sizes)}")
        outputs, offset = [], 0
        for (kind, _, _payload), size in zip(requests, sizes, strict=True):
            block = flat[offset : offset + size]
            outputs.append(block.reshape(-1, 2) if kind >= ADD else block)
            offset += size
        return outputs


def sign_extend(raw: np.ndarray, width: int, signed: bool) -> np.ndarray:
    """Codes from raw uint64 bits of a ``width``-bit value (width <= 64)."""
    raw = raw.astype(np.uint64)
    if width < 64:
        raw = raw & np.uint64((1 << width) - 1)
    if not signed:
        if width == 64:
            return np.array([int(v) for v in raw.tolist()], dtype=object)
        return raw.astype(np.int64)
    codes = raw.view(np.int64) if width == 64 else raw.astype(np.int64)
    if width < 64:
        codes = np.where(codes >= (1 << (width - 1)), codes - (1 << width), codes)
    return codes


def wide_codes(lo_hi: np.ndarray, width: int, signed: bool) -> np.ndarray:
    """Codes from (lo, hi) raw words of a value up to 128 bits wide."""
    if width <= 64:
        return sign_extend(lo_hi[:, 0], width, signed)
    out = []
    for lo, hi in lo_hi.tolist():
        v = (int(hi) << 64 | int(lo)) & ((1 << width) - 1)
        if signed and v >> (width - 1):
            v -= 1 << width
        out.append(v)
    return np.array(out, dtype=object)


# -- input generators ---------------------------------------------------------------

_SPECIALS = np.array(
    [
        0.0,
        -0.0,
        np.inf,
        -np.inf,
        np.nan,
        -np.nan,
        5e-324,
        -5e-324,
        2.2250738585072014e-308,
        1.7976931348623157e308,
        -1.7976931348623157e308,
        2.0**63,
        -(2.0**63),
        2.0**64,
        -(2.0**64),
        1.0,
        -1.0,
        0.5,
        -0.5,
    ],
    dtype=np.float64,
)


def random_doubles(rng: np.random.Generator, t: Fixed, n: int) -> np.ndarray:
    """Doubles that stress ``t``: grid points, exact ties, ties ±1 ulp, out of range, specials."""
    span = t.max_code - t.min_code + 1
    k = rng.integers(t.min_code - span, t.max_code + span + 1, size=n, dtype=np.int64)
    offsets = rng.choice(np.array([0.0, 0.5, 0.25, 0.75, -0.5, 1e-9, -1e-9]), size=n) + np.where(
        rng.random(n) < 0.2, rng.random(n), 0.0
    )
    grid = np.ldexp(k.astype(np.float64) + offsets, -t.frac_bits)
    nudge = rng.integers(-1, 2, size=n)
    grid = np.where(nudge > 0, np.nextafter(grid, np.inf), grid)
    grid = np.where(nudge < 0, np.nextafter(grid, -np.inf), grid)
    lo, hi = float(t.min_value) * 2 - 1, float(t.max_value) * 2 + 1
    uniform = rng.uniform(lo, hi, size=n)
    logmag = np.ldexp(rng.random(n) + 0.5, rng.integers(-70, 70, size=n)) * rng.choice([-1, 1], n)
    bits = rng.integers(0, 2**63, size=n, dtype=np.int64).astype(np.uint64) | (
        rng.integers(0, 2, size=n).astype(np.uint64) << np.uint64(63)
    )
    randbits = bits.view(np.float64)
    which = rng.choice(5, size=n, p=[0.45, 0.2, 0.15, 0.1, 0.1])
    x = np.choose(which, [grid, uniform, logmag, randbits, rng.choice(_SPECIALS, n)])
    return x.astype(np.float64)


def random_codes(rng: np.random.Generator, t: Fixed, n: int) -> np.ndarray:
    """Codes of ``t``: uniform, plus the edges (min, max, 0, ±1, min + 1)."""
    codes = rng.integers(t.min_code, t.max_code + 1, size=n, dtype=np.int64)
    edges = np.array(
        [
            c
            for c in (t.min_code, t.max_code, 0, 1, -1, t.min_code + 1, t.max_code - 1)
            if t.min_code <= c <= t.max_code
        ],
        dtype=np.int64,
    )
    pick = rng.random(n) < 0.1
    return np.where(pick, rng.choice(edges, n), codes)


# -- comparing the emulation with the harness ---------------------------------------------

SMOKE = {"seed": 11, "conv_per_pair": 2, "cast_per_pair": 2, "arith_pairs": 8}
SLOW = {"seed": 2024, "conv_per_pair": 8, "cast_per_pair": 8, "arith_pairs": 32}

pytestmark = pytest.mark.csim


def _require_toolchain() -> None:
    if shutil.which("g++") is None:
        pytest.skip("g++ is not installed; the ap_fixed.h proof needs it.")
    ap_types_dir()  # raises HeadersNotFoundError with the fix when hls4ml is missing


@pytest.fixture(scope="session")
def smoke() -> Harness:
    _require_toolchain()
    return Harness(make_spec(**SMOKE))


@dataclass
class Tally:
    """Cases compared and mismatches, per rounding x overflow pair and per operation."""

    cases: Counter = field(default_factory=Counter)
    mismatches: Counter = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)

    def add(self, key, expected, got, describe) -> None:
        expected = np.asarray(expected, dtype=object)
        got = np.asarray(got, dtype=object)
        bad = np.flatnonzero(expected != got)
        self.cases[key] += expected.size
        self.mismatches[key] += bad.size
        for i in bad[: max(0, 5 - len(self.examples))]:
            self.examples.append(f"{describe(i)}: emulation {expected[i]} != ap_fixed {got[i]}")

    def report(self, title: str) -> str:
        lines = [
            f"{title}: {sum(self.cases.values())} cases, {sum(self.mismatches.values())} mismatches"
        ]
        for key in sorted(self.cases, key=str):
            lines.append(f"  {key}: {self.cases[key]} cases, {self.mismatches[key]} mismatches")
        return "\n".join(lines + self.examples)


def compare(harness: Harness, conv_n: int, cast_n: int, arith_n: int, seed: int) -> Tally:
    """Run random cases through every kernel of ``harness`` and the emulation."""
    spec, rng = harness.spec, np.random.default_rng(seed)
    requests, checks = [], []
    for i, t in enumerate(spec.conv):
        x = random_doubles(rng, t, conv_n)
        requests.append((CONV, i, x.view(np.int64)))
        checks.append(("conv", t, x))
    for i, (s, d) in enumerate(spec.cast):
        codes = random_codes(rng, s, cast_n)
        requests.append((CAST, i, codes))
        checks.append(("cast", (s, d), codes))
    for i, (a, b) in enumerate(spec.arith):
        ab = np.stack([random_codes(rng, a, arith_n), random_codes(rng, b, arith_n)], axis=1)
        for name, kind in ARITH_KINDS.items():
            requests.append((kind, i, ab))
            checks.append((name, (a, b), ab))
    outputs = harness.run(requests)
    tally = Tally()
    for (kind, ident, _), (name, types, data), raw in zip(requests, checks, outputs, strict=True):
        width, iwidth, signed = harness.result_types[(kind, ident)]
        if name == "conv":
            t = types
            assert (width, iwidth, signed) == (t.width, t.int_bits, t.signed)
            expected = fixed.quantize(data, t)
            got = sign_extend(raw, t.width, t.signed)
            tally.add(
                (t.rounding.value, t.overflow.value),
                expected,
                got,
                lambda i, t=t, x=data: f"{t.cpp()} = {x[i]!r}",
            )
        elif name == "cast":
            s, d = types
            assert (width, iwidth, signed) == (d.width, d.int_bits, d.signed)
            expected = fixed.cast(data, s, d)
            got = sign_extend(raw, d.width, d.signed)
            tally.add(
                (d.rounding.value, d.overflow.value),
                expected,
                got,
                lambda i, s=s, d=d, c=data: f"{d.cpp()} = {s.cpp()} code {c[i]}",
            )
        else:
            a, b = types
            func = {"add": fixed.add, "sub": fixed.sub, "mul": fixed.mul}[name]
            expected, rt = func(data[:, 0], a, data[:, 1], b)
            assert (rt.width, rt.int_bits, rt.signed) == (width, iwidth, signed), (name, a, b)
            got = wide_codes(raw, width, signed)
            tally.add(
                name,
                expected,
                got,
                lambda i, a=a, b=b, c=data, n=name: (
                    f"{a.cpp()} {n} {b.cpp()} codes {c[i].tolist()}"
                ),
            )
    return tally


def test_harness_matches_emulation_smoke(smoke, capsys):
    tally = compare(smoke, conv_n=1000, cast_n=1000, arith_n=1000, seed=1)
    with capsys.disabled():
        print("\n" + tally.report("ap_fixed.h smoke").splitlines()[0])
    assert sum(tally.mismatches.values()) == 0, tally.report("ap_fixed.h smoke")
    for pair in MODE_PAIRS:
        assert tally.cases[(pair[0].value, pair[1].value)] == 4000


def test_result_types_match_header(smoke):
    """add_type / sub_type / mul_type equal the types ap_fixed's operators return."""
    for i, (a, b) in enumerate(smoke.spec.arith):
        for name, kind in ARITH_KINDS.items():
            rt = {"add": add_type, "sub": sub_type, "mul": mul_type}[name](a, b)
            assert smoke.result_types[(kind, i)] == (rt.width, rt.int_bits, rt.signed), (name, a, b)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_harness_property(smoke, data):
    """Hypothesis picks a compiled kernel and hostile inputs; emulation and header agree."""
    spec = smoke.spec
    which = data.draw(st.sampled_from(["conv", "cast"]))
    if which == "conv":
        i = data.draw(st.integers(0, len(spec.conv) - 1))
        t = spec.conv[i]
        scale = st.integers(-t.frac_bits - 70, -t.frac_bits + 70)
        values = data.draw(
            st.lists(
                st.one_of(st.floats(), st.builds(math.ldexp, st.integers(-(2**40), 2**40), scale)),
                min_size=1,
                max_size=32,
            )
        )
        x = np.array(values, dtype=np.float64)
        [raw] = smoke.run([(CONV, i, x.view(np.int64))])
        np.testing.assert_array_equal(sign_extend(raw, t.width, t.signed), fixed.quantize(x, t))
    else:
        i = data.draw(st.integers(0, len(spec.cast) - 1))
        s, d = spec.cast[i]
        codes = np.array(
            data.draw(st.lists(st.integers(s.min_code, s.max_code), min_size=1, max_size=32)),
            dtype=np.int64,
        )
        [raw] = smoke.run([(CAST, i, codes)])
        np.testing.assert_array_equal(sign_extend(raw, d.width, d.signed), fixed.cast(codes, s, d))


@pytest.mark.slow
def test_harness_matches_emulation_sweep(capsys):
    """>= 100,000 cases per rounding x overflow pair for double->type and type->type casts."""
    _require_toolchain()
    start = time.perf_counter()
    harness = Harness(make_spec(**SLOW))
    built = time.perf_counter() - start
    per_kernel = 100_000 // SLOW["conv_per_pair"] + 1
    tally = compare(harness, conv_n=per_kernel, cast_n=per_kernel, arith_n=20_000, seed=7)
    report = tally.report("ap_fixed.h sweep")
    with capsys.disabled():
        print(
            f"\nharness compile {harness.compile_seconds:.1f} s (0 = cached), build+describe {built:.1f} s, total {time.perf_counter() - start:.1f} s"
        )
        print(report)
    assert sum(tally.mismatches.values()) == 0, report
    for q, o in MODE_PAIRS:
        assert tally.cases[(q.value, o.value)] >= 200_000  # conv + cast, 100k+ each


def test_missing_headers_is_one_clear_error(monkeypatch):
    from fpgaforge.numerics import headers

    headers.ap_types_dir.cache_clear()
    monkeypatch.setattr(headers.importlib.util, "find_spec", lambda name: None)
    try:
        with pytest.raises(headers.HeadersNotFoundError, match=r"pip install hls4ml==1\.3\.0"):
            headers.ap_types_dir()
    finally:
        monkeypatch.undo()
        headers.ap_types_dir.cache_clear()
    assert (headers.ap_types_dir() / "ap_fixed.h").is_file()
