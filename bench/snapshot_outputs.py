"""Write every generated artefact of the bundled models into one folder, for refactoring checks.

    python bench/snapshot_outputs.py OUT_DIR            # write the snapshot
    python bench/snapshot_outputs.py OUT_DIR --compare BEFORE_DIR

For every bundled model x board x precision it writes the estimate JSON (`fpgaforge
estimate --json`) and builds the project with both backends (a few vectors), keeping every
file of `hls/` and `rtl/`. With `--compare` it lists, per case, the files that differ from
an earlier snapshot (added, removed, changed), so a refactoring that must not change the
output can be checked file by file; it exits 1 when anything differs.
"""

from __future__ import annotations

import argparse
import contextlib
import filecmp
import io
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT / "examples" / "models"
BOARDS = ("ulx3s-85f", "ultra96v2", "zcu104", "u280")
QUANTS = ("fixed:8,3", "int8", "int4")
SKIP_FILES = {"build.json"}  # holds nothing generated; kept out to keep the list short


def _cases(models: list[str]) -> list[tuple[str, str, str]]:
    return [(m, b, q) for m in models for b in BOARDS for q in QUANTS]


def _slug(model: str, board: str, quant: str) -> str:
    return f"{model}__{board}__{quant.replace(':', '-').replace(',', '_')}"


def snapshot(out: Path, models: list[str]) -> None:
    from fpgaforge.cli import main as cli_main
    from fpgaforge.flow import build

    out.mkdir(parents=True, exist_ok=True)
    for model, board, quant in _cases(models):
        case = out / _slug(model, board, quant)
        if case.exists():
            shutil.rmtree(case)
        case.mkdir()
        onnx = MODELS / f"{model}.onnx"
        npz = MODELS / f"{model}_test.npz"
        calib = {"x": np.load(npz)["x"]}  # every bundled model has one input, x
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(buf):
            code = cli_main(
                [
                    "estimate",
                    str(onnx),
                    "--board",
                    board,
                    "--quant",
                    quant,
                    "--calib",
                    str(npz),
                    "--json",
                ]
            )
        (case / "estimate.json").write_text(buf.getvalue() + f"\n# exit {code}\n")
        with tempfile.TemporaryDirectory() as tmp:
            try:
                build(
                    onnx,
                    board,
                    quant,
                    Path(tmp) / "p",
                    calibration=calib,
                    backend="both",
                    vectors=4,
                )
            except Exception as exc:  # noqa: BLE001 - the snapshot records the failure
                (case / "build.error").write_text(f"{type(exc).__name__}: {exc}\n")
                print(f"{case.name}: build failed: {exc}", flush=True)
                continue
            for path in sorted((Path(tmp) / "p").rglob("*")):
                if path.is_file() and path.name not in SKIP_FILES:
                    target = case / path.relative_to(Path(tmp) / "p")
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(path, target)
        print(f"{case.name}: {sum(1 for p in case.rglob('*') if p.is_file())} files", flush=True)


def compare(new: Path, old: Path) -> int:
    differing = 0
    for case in sorted(p for p in old.iterdir() if p.is_dir()):
        other = new / case.name
        before = {p.relative_to(case) for p in case.rglob("*") if p.is_file()}
        after = (
            {p.relative_to(other) for p in other.rglob("*") if p.is_file()}
            if other.exists()
            else set()
        )
        changed = sorted(
            str(p) for p in before & after if not filecmp.cmp(case / p, other / p, shallow=False)
        )
        removed = sorted(str(p) for p in before - after)
        added = sorted(str(p) for p in after - before)
        if changed or removed or added:
            differing += 1
            print(f"{case.name}:")
            for label, items in (("changed", changed), ("removed", removed), ("added", added)):
                if items:
                    more = f" (+{len(items) - 6} more)" if len(items) > 6 else ""
                    print(f"  {label}: {', '.join(items[:6])}{more}")
    total = sum(1 for p in old.iterdir() if p.is_dir())
    print(f"{total - differing} of {total} cases identical, {differing} differ")
    return 1 if differing else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--compare", type=Path, help="an earlier snapshot to compare with")
    parser.add_argument(
        "--models",
        default="digits_mlp,digits_cnn,digits_rescnn",
        help="comma-separated bundled model names",
    )
    parser.add_argument("--only-compare", action="store_true", help="do not rebuild OUT")
    args = parser.parse_args()
    if not args.only_compare:
        snapshot(args.out, args.models.split(","))
    if args.compare:
        return compare(args.out, args.compare)
    return 0


if __name__ == "__main__":
    sys.exit(main())
