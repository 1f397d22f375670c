"""The board registry: loading and validating board YAML files, and finding boards by name.

Boards come from three places, later ones overriding earlier ones of the same
name: the files shipped in `fpgaforge/boards/data/`, `*.yaml` files in the
directories listed in the `FPGAFORGE_BOARDS_PATH` environment variable
(separated by `os.pathsep`), and files passed to `register_board_file`.
Every problem is reported as a `BoardError` naming the file and the field path
(for example `resources.dsp_kind` or `memory[1].peak_bandwidth_gbps`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from fpgaforge.boards.model import (
    DSP_KINDS,
    FINN_USABLE_FRACTIONS,
    HOST_KINDS,
    RESOURCE_KINDS,
    TOOLCHAINS,
    BlockRam,
    Board,
    BoardError,
    Clocks,
    Memory,
    Power,
    Resources,
    ShellOverhead,
    Source,
    UsableFractions,
)

_MISSING = object()


class _Reader:
    """Typed access to a parsed YAML mapping that raises `BoardError` naming file and field."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, field: str, problem: str) -> BoardError:
        return BoardError(f"Board file '{self.path}': field '{field}' {problem}.")

    def get(self, data: Mapping[str, Any], key: str, prefix: str, default: Any = _MISSING) -> Any:
        field = f"{prefix}{key}"
        if not isinstance(data, Mapping):
            raise self.fail(prefix.rstrip("."), "must be a mapping")
        if key not in data:
            if default is _MISSING:
                raise self.fail(field, "is missing; see docs/boards.md for the schema")
            return default
        return data[key]

    def text(
        self, data: Mapping[str, Any], key: str, prefix: str = "", default: Any = _MISSING
    ) -> Any:
        value = self.get(data, key, prefix, default)
        if value is None and default is None:
            return None
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"{prefix}{key}", f"must be non-empty text, got {value!r}")
        return value

    def choice(
        self, data: Mapping[str, Any], key: str, options: tuple[str, ...], prefix: str = ""
    ) -> str:
        value = self.text(data, key, prefix)
        if value not in options:
            raise self.fail(f"{prefix}{key}", f"must be one of {', '.join(options)}, got {value!r}")
        return value

    def number(
        self,
        data: Mapping[str, Any],
        key: str,
        prefix: str = "",
        *,
        integer: bool = False,
        nullable: bool = False,
        default: Any = _MISSING,
        positive: bool = False,
    ) -> Any:
        value = self.get(data, key, prefix, default)
        field = f"{prefix}{key}"
        if value is None:
            if nullable:
                return None
            raise self.fail(field, "must be a number, not null")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(field, f"must be a number, got {value!r}")
        if integer and (isinstance(value, float) and not value.is_integer()):
            raise self.fail(field, f"must be a whole number, got {value!r}")
        if value < 0 or (positive and value == 0):
            raise self.fail(
                field, f"must be {'positive' if positive else 'non-negative'}, got {value!r}"
            )
        return int(value) if integer else float(value)


def load_board_file(path: str | Path) -> Board:
    """Read, validate and return the board described by a YAML file."""
    path = Path(path)
    if not path.is_file():
        raise BoardError(
            f"Board file '{path}' does not exist; check the path or FPGAFORGE_BOARDS_PATH."
        )
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" at line {where.line + 1}" if where is not None else ""
        raise BoardError(
            f"Board file '{path}' is not valid YAML{line}: {getattr(exc, 'problem', exc)}."
        ) from exc
    if not isinstance(data, Mapping):
        raise BoardError(f"Board file '{path}' must contain a YAML mapping of board fields.")
    return _build(_Reader(path), data, path)


def _build(r: _Reader, data: Mapping[str, Any], path: Path) -> Board:
    name = r.text(data, "name")
    if name != name.strip().lower() or " " in name:
        raise r.fail("name", f"must be lower-case without spaces, got {name!r}")
    resources = _resources(r, r.get(data, "resources", ""))
    clocks_data = r.get(data, "clocks", "")
    clocks = Clocks(
        default_mhz=r.number(clocks_data, "default_mhz", "clocks.", positive=True),
        max_mhz=r.number(clocks_data, "max_mhz", "clocks.", nullable=True),
    )
    memories = _memories(r, r.get(data, "memory", "", default=[]))
    power_data = r.get(data, "power", "")
    power = Power(
        static_w=r.number(power_data, "static_w", "power.", nullable=True),
        board_idle_w=r.number(power_data, "board_idle_w", "power.", nullable=True, default=None),
        board_typical_w=r.number(
            power_data, "board_typical_w", "power.", nullable=True, default=None
        ),
        board_max_w=r.number(power_data, "board_max_w", "power.", nullable=True, default=None),
        note=r.text(power_data, "note", "power.", default=None),
    )
    fractions_data = r.get(data, "usable_fractions", "", default=None)
    fractions = UsableFractions(
        **{
            k: _fraction(r, fractions_data, k)
            if fractions_data is not None
            else FINN_USABLE_FRACTIONS[k]
            for k in RESOURCE_KINDS
        }
    )
    shell_data = r.get(data, "shell", "", default=None) or {}
    shell = ShellOverhead(
        **{k: r.number(shell_data, k, "shell.", default=0.0) for k in RESOURCE_KINDS},
        note=r.text(shell_data, "note", "shell.", default=None),
    )
    extras = r.get(data, "extras", "", default=None) or {}
    if not isinstance(extras, Mapping):
        raise r.fail("extras", "must be a mapping of names to numbers or text")
    sources = _sources(r, r.get(data, "sources", ""))
    if fractions_data is None:
        sources.setdefault("usable_fractions", Source("FINN planning factors (default)"))
    board = Board(
        name=name,
        description=r.text(data, "description"),
        vendor=r.text(data, "vendor"),
        family=r.text(data, "family"),
        part=r.text(data, "part"),
        speed_grade=r.text(data, "speed_grade"),
        resources=resources,
        clocks=clocks,
        memories=memories,
        host=r.choice(data, "host", HOST_KINDS),
        toolchain=r.choice(data, "toolchain", TOOLCHAINS),
        power=power,
        usable_fractions=fractions,
        shell=shell,
        extras=dict(extras),
        sources=sources,
        path=path,
    )
    _check_sources(r, board, data)
    return board


def _resources(r: _Reader, data: Any) -> Resources:
    p = "resources."
    bram_data = r.get(data, "bram", p)
    bram = BlockRam(
        count=r.number(bram_data, "count", "resources.bram.", integer=True),
        bits_per_block=r.number(
            bram_data, "bits_per_block", "resources.bram.", integer=True, positive=True
        ),
    )
    lut_inputs = r.number(data, "lut_inputs", p, integer=True, positive=True)
    if lut_inputs not in (4, 6):
        raise r.fail("resources.lut_inputs", f"must be 4 (Lattice) or 6 (Xilinx), got {lut_inputs}")
    lutram = r.get(data, "lutram", p, default=None)
    if lutram is not None and not isinstance(lutram, bool):
        raise r.fail("resources.lutram", f"must be true, false or null, got {lutram!r}")
    return Resources(
        lut=r.number(data, "lut", p, integer=True, positive=True),
        ff=r.number(data, "ff", p, integer=True, positive=True),
        dsp=r.number(data, "dsp", p, integer=True),
        dsp_kind=r.choice(data, "dsp_kind", DSP_KINDS, p),
        bram=bram,
        uram=r.number(data, "uram", p, integer=True),
        lut_inputs=lut_inputs,
        lutram=lutram,
    )


def _memories(r: _Reader, data: Any) -> tuple[Memory, ...]:
    if data is None:
        return ()
    if not isinstance(data, list):
        raise r.fail("memory", "must be a list of memories (or empty for boards without one)")
    memories = []
    for i, item in enumerate(data):
        p = f"memory[{i}]."
        peak = r.number(item, "peak_bandwidth_gbps", p, nullable=True)
        usable = r.number(item, "usable_bandwidth_gbps", p, nullable=True, default=None)
        efficiency = r.number(item, "efficiency", p, nullable=True, default=None)
        if usable is None and efficiency is not None and peak is not None:
            if efficiency > 1:
                raise r.fail(
                    f"{p}efficiency", f"must be a fraction between 0 and 1, got {efficiency}"
                )
            usable = round(peak * efficiency, 3)
        if usable is not None and peak is not None and usable > peak:
            raise r.fail(
                f"{p}usable_bandwidth_gbps", f"({usable}) exceeds the peak bandwidth ({peak})"
            )
        memories.append(
            Memory(
                name=r.text(item, "name", p),
                type=r.text(item, "type", p),
                capacity_bytes=r.number(item, "capacity_bytes", p, integer=True, nullable=True),
                peak_bandwidth_gbps=peak,
                usable_bandwidth_gbps=usable,
                note=r.text(item, "note", p, default=None),
            )
        )
    return tuple(memories)


def _fraction(r: _Reader, data: Any, key: str) -> float:
    value = r.number(data, key, "usable_fractions.")
    if not 0 < value <= 1:
        raise r.fail(f"usable_fractions.{key}", f"must be in (0, 1], got {value}")
    return value


def _sources(r: _Reader, data: Any) -> dict[str, Source]:
    if not isinstance(data, Mapping):
        raise r.fail("sources", "must be a mapping from field path to a source string")
    sources: dict[str, Source] = {}
    for key, value in data.items():
        field = f"sources.{key}"
        if isinstance(value, str) and value.strip():
            sources[str(key)] = Source(value.strip())
        elif isinstance(value, Mapping):
            text = r.text(value, "source", f"{field}.")
            verify = r.get(value, "verify", f"{field}.", default=False)
            if not isinstance(verify, bool):
                raise r.fail(f"{field}.verify", f"must be true or false, got {verify!r}")
            sources[str(key)] = Source(
                text, verify, r.text(value, "note", f"{field}.", default=None)
            )
        else:
            raise r.fail(
                field, "must be a source string or a mapping with 'source', 'verify' and 'note'"
            )
    return sources


def numeric_fields(data: Any, prefix: str = "") -> list[str]:
    """Field paths of every non-null number in parsed board data (excluding `sources`)."""
    paths: list[str] = []
    if isinstance(data, Mapping):
        for key, value in data.items():
            if not prefix and key == "sources":
                continue
            paths += numeric_fields(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            paths += numeric_fields(value, f"{prefix}[{i}]")
    elif isinstance(data, int | float) and not isinstance(data, bool):
        paths.append(prefix)
    return paths


def _check_sources(r: _Reader, board: Board, data: Mapping[str, Any]) -> None:
    for field in numeric_fields(data):
        if board.source(field) is None:
            raise r.fail(
                field,
                "has no source; add an entry for it (or a parent path, or '*') under 'sources:' "
                "naming the document and table, a URL, or 'my measurement'",
            )


DATA_DIR = Path(__file__).resolve().parent / "data"
BOARDS_PATH_ENV = "FPGAFORGE_BOARDS_PATH"
_NOT_BOARDS = {"energy.yaml"}

_registered: dict[str, Path] = {}
_cache: dict[Path, tuple[float, Board]] = {}


def _load_cached(path: Path) -> Board:
    path = path.resolve()
    mtime = path.stat().st_mtime if path.exists() else -1.0
    hit = _cache.get(path)
    if hit is not None and hit[0] == mtime:
        return hit[1]
    board = load_board_file(path)
    _cache[path] = (mtime, board)
    return board


def _yaml_files(directory: Path) -> list[Path]:
    return sorted(
        p
        for p in directory.iterdir()
        if p.suffix in (".yaml", ".yml") and p.name not in _NOT_BOARDS
    )


def search_path() -> list[Path]:
    """The directories searched for board files: the built-in data, then `FPGAFORGE_BOARDS_PATH`."""
    dirs = [DATA_DIR]
    for entry in os.environ.get(BOARDS_PATH_ENV, "").split(os.pathsep):
        if not entry.strip():
            continue
        directory = Path(entry).expanduser()
        if not directory.is_dir():
            raise BoardError(
                f"{BOARDS_PATH_ENV} lists '{entry}', which is not a directory; "
                "fix or remove that entry."
            )
        dirs.append(directory)
    return dirs


def _board_files() -> dict[str, Path]:
    """Board name → file, later sources overriding earlier ones."""
    files: dict[str, Path] = {}
    for directory in search_path():
        for path in _yaml_files(directory):
            files[_load_cached(path).name] = path
    files.update(_registered)
    return files


def register_board_file(path: str | Path) -> Board:
    """Validate a board file and make its board available by name to `get` and `list`."""
    board = _load_cached(Path(path).expanduser())
    _registered[board.name] = Path(path).expanduser().resolve()
    return board


def unregister_board(name: str) -> None:
    """Forget a board added with `register_board_file` (no error if it was not registered)."""
    _registered.pop(name, None)


def all_boards() -> list[Board]:
    """Every known board, sorted by name."""
    return [_load_cached(p) for _, p in sorted(_board_files().items())]


def names() -> list[str]:
    """The names of every known board, sorted."""
    return sorted(_board_files())


def get(name: str | Path) -> Board:
    """The board called `name`, or the board in the YAML file at path `name`."""
    text = str(name)
    if text.endswith((".yaml", ".yml")) or os.sep in text or (os.altsep and os.altsep in text):
        return _load_cached(Path(text).expanduser())
    files = _board_files()
    if text not in files:
        raise BoardError(
            f"Unknown board {text!r}; known boards: {', '.join(sorted(files))}. "
            "Add your own with a YAML file (see docs/boards.md)."
        )
    return _load_cached(files[text])
