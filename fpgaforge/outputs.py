"""Where fpgaforge writes: output folders and files that never cost a user a file.

Every command that writes an output folder goes through `staged_folder`: the files are
written into a temporary sibling folder, a marker file (`.fpgaforge-output`, JSON listing
the files written) is put in it, and only when everything succeeded is it renamed into
place. `--force` replaces only a folder that holds that marker and nothing else than the
files it lists and the scratch folders fpgaforge's own tools write there (csim's `build/`,
rtlsim's `sim_build/` and Python's `__pycache__/`, synth's `synth/`); a folder holding an input of the command or any
other file is refused. Single output files (`-o SCHEDULE.json`, `-o OUT.onnx`) are written
to a temporary sibling and renamed over the target, and never onto an input.

`check_output_folder` and `check_output_file` validate a destination before any work starts.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from fpgaforge.errors import UsageError
from fpgaforge.version import __version__

MARKER = ".fpgaforge-output"
"""The file that marks a folder as written by fpgaforge (JSON: command, version, files)."""

SCRATCH = ("hls/build", "build", "rtl/sim_build", "sim_build", "rtl/synth", "synth")
"""Folders (relative to the output folder) that fpgaforge's own tools write into a project."""

SCRATCH_FILES = ("rtl/synth_", "synth_")
"""Prefixes of report files `fpgaforge synth` writes next to a project's RTL."""

PathLike = str | os.PathLike


def _resolved(path: PathLike) -> Path:
    return Path(os.path.abspath(os.fspath(path)))


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _input_paths(inputs: Iterable[PathLike | None]) -> list[Path]:
    return [_resolved(p) for p in inputs if p is not None and os.fspath(p) != ""]


def read_marker(folder: PathLike) -> dict | None:
    """The marker of `folder` (a dict), or None when it has none or it is unreadable."""
    path = Path(folder) / MARKER
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) and data.get("tool") == "fpgaforge" else None


def _foreign_file(folder: Path, marker: dict) -> Path | None:
    """The first file in `folder` that fpgaforge did not write there, or None."""
    listed = {str(f) for f in marker.get("files", []) if isinstance(f, str)}
    listed.add(MARKER)
    for root, dirs, files in os.walk(folder):
        rel_root = Path(root).relative_to(folder)
        dirs[:] = sorted(
            d for d in dirs if (rel_root / d).as_posix() not in SCRATCH and d != "__pycache__"
        )
        for name in sorted(files):
            rel = (rel_root / name).as_posix()
            if rel in listed or rel.startswith(SCRATCH_FILES):
                continue
            return folder / rel
        for d in dirs:
            if os.path.islink(os.path.join(root, d)):
                return folder / rel_root / d
    return None


def check_output_folder(
    out: PathLike, *, force: bool, inputs: Iterable[PathLike | None] = (), option: str = "-o"
) -> Path:
    """Check that `out` may become an output folder; raises UsageError before any work starts.

    A missing or empty folder is fine. An existing one is replaced only with `force`, and
    only when fpgaforge wrote it (its marker) and it holds no input and no other file."""
    if os.fspath(out) == "":
        raise UsageError(f"{option} names no folder; give the folder to write, e.g. {option} out/.")
    path = Path(out)
    target = _resolved(out)
    for source in _input_paths(inputs):
        if _inside(source, target):
            raise UsageError(
                f"{option} '{path}' holds the input '{source}'; fpgaforge never replaces a folder "
                "with its inputs in it: choose another output folder."
            )
    if path.exists() and not path.is_dir():
        raise UsageError(f"{option} '{path}' is a file, not a folder; choose another output path.")
    if not path.exists() or not any(path.iterdir()):
        return path
    if not force:
        raise UsageError(
            f"Output folder '{path}' exists and is not empty; choose another or pass --force."
        )
    marker = read_marker(path)
    if marker is None:
        raise UsageError(
            f"Output folder '{path}' was not written by fpgaforge (no {MARKER} in it); "
            "--force replaces only fpgaforge's own folders: choose another output folder."
        )
    foreign = _foreign_file(path, marker)
    if foreign is not None:
        raise UsageError(
            f"Output folder '{path}' holds '{foreign.relative_to(path).as_posix()}', which "
            "fpgaforge did not write; move it away or choose another output folder."
        )
    return path


@contextmanager
def staged_folder(
    out: PathLike,
    *,
    force: bool,
    command: str,
    inputs: Iterable[PathLike | None] = (),
) -> Iterator[Path]:
    """Yield a temporary folder next to `out`; on success it is marked and renamed to `out`.

    On any failure the temporary folder is removed and `out` is left as it was."""
    inputs = list(inputs)
    path = check_output_folder(out, force=force, inputs=inputs)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    except OSError as exc:
        raise UsageError(
            f"Cannot create the output folder '{path}' ({exc.strerror or exc}); "
            "check the path and its permissions."
        ) from None
    try:
        yield staging
        _write_marker(staging, command)
        check_output_folder(path, force=force, inputs=inputs)  # nothing appeared meanwhile
        _swap_into_place(staging, path)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _write_marker(folder: Path, command: str) -> None:
    files = sorted(
        (Path(root) / name).relative_to(folder).as_posix()
        for root, _, names in os.walk(folder)
        for name in names
    )
    data = {"tool": "fpgaforge", "version": __version__, "command": command, "files": files}
    (folder / MARKER).write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")


def _swap_into_place(staging: Path, path: Path) -> None:
    """Rename `staging` to `path`; an old `path` is moved aside first and deleted last."""
    old = None
    if path.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".old", dir=path.parent))
        os.rmdir(old)
        os.rename(path, old)
    try:
        os.rename(staging, path)
    except BaseException:
        if old is not None:
            os.rename(old, path)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def check_output_file(
    out: PathLike, *, inputs: Iterable[PathLike | None] = (), option: str = "-o"
) -> Path:
    """Check that `out` may be written as an output file; raises UsageError before any work."""
    if os.fspath(out) == "":
        raise UsageError(f"{option} names no file; give the file to write.")
    path = Path(out)
    target = _resolved(out)
    for source in _input_paths(inputs):
        if source == target or (
            path.exists() and source.exists() and os.path.samefile(source, path)
        ):
            raise UsageError(
                f"{option} '{path}' is an input of this command; fpgaforge never overwrites "
                "its inputs: choose another output file."
            )
    if path.is_dir():
        raise UsageError(f"{option} '{path}' is a folder; give a file name, e.g. {path / 'out'}.")
    if path.name in ("", ".", ".."):
        raise UsageError(f"{option} '{path}' is not a file name; give a file name.")
    if path.exists() and not path.is_file():
        raise UsageError(f"{option} '{path}' is not a regular file; choose another output file.")
    return path


def _usual_mode(path: PathLike) -> None:
    """Give a file made by mkstemp (private, 0600) the mode a plain open() would (0666 & ~umask)."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)


def write_output_file(
    out: PathLike, data: bytes | str, *, inputs: Iterable[PathLike | None] = (), option: str = "-o"
) -> Path:
    """Write `data` to `out` through a temporary sibling renamed into place."""
    path = check_output_file(out, inputs=inputs, option=option)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise UsageError(
            f"Cannot write {option} '{path}' ({exc.strerror or exc}); check the path and its permissions."
        ) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
        _usual_mode(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


@contextmanager
def staged_file(
    out: PathLike, *, inputs: Iterable[PathLike | None] = (), option: str = "-o"
) -> Iterator[Path]:
    """Yield a temporary path next to `out` for a writer that wants a path; renamed on success."""
    path = check_output_file(out, inputs=inputs, option=option)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(
            prefix=f".{path.stem}.", suffix=f".tmp{path.suffix}", dir=path.parent
        )
        os.close(fd)
    except OSError as exc:
        raise UsageError(
            f"Cannot write {option} '{path}' ({exc.strerror or exc}); check the path and its permissions."
        ) from None
    try:
        yield Path(tmp)
        _usual_mode(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
