"""The `fpgaforge` command.

Each subcommand lives in its own module under `fpgaforge.commands` with a
`register(subparsers)` function; this module finds them, parses arguments,
and turns fpgaforge errors into one printed sentence and exit code 2.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import re
import sys
import traceback
import warnings
from collections.abc import Sequence

from rich.console import Console
from rich.markup import escape

from fpgaforge.errors import FpgaforgeError, UsageError
from fpgaforge.version import __version__

_SHAPE = re.compile(r"^([^=]+)=(\d+(?:x\d+)*)$")


def add_input_shape_option(parser: argparse.ArgumentParser) -> None:
    """The `--input-shape NAME=DxD...` option shared by commands that load a model."""
    parser.add_argument(
        "--input-shape",
        action="append",
        metavar="NAME=DxD...",
        help="bind an input's dynamic dimensions, e.g. x=1x3x224x224 (repeatable)",
    )


def add_boards_quants_options(parser: argparse.ArgumentParser) -> None:
    """The `--boards a,b` and `--quant SPEC[,SPEC...]` options of commands that sweep targets."""
    parser.add_argument("--boards", required=True, help="comma-separated board names")
    parser.add_argument(
        "--quant",
        default="int8",
        help="comma-separated specs; a comma starts a new spec only before fixed:, intN or wXaY, "
        "so fixed:8,3,int8 is [fixed:8,3, int8]",
    )


def parse_input_shapes(specs: Sequence[str] | None) -> dict[str, tuple[int, ...]]:
    """`["x=1x3x224x224"]` → `{"x": (1, 3, 224, 224)}`, with a clear error for bad text."""
    shapes: dict[str, tuple[int, ...]] = {}
    for spec in specs or []:
        match = _SHAPE.match(spec.strip())
        if not match:
            raise UsageError(
                f"--input-shape {spec!r} is not NAME=DxDx... with positive integers, e.g. x=1x3x224x224."
            )
        dims = tuple(int(d) for d in match.group(2).split("x"))
        if any(d <= 0 for d in dims):
            raise UsageError(
                f"--input-shape {spec!r} has a zero dimension; sizes must be positive."
            )
        shapes[match.group(1)] = dims
    return shapes


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (no usage block) with exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}; see `{self.prog} --help`.\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="fpgaforge",
        description="Import, quantize, schedule and generate FPGA accelerators for ML models.",
    )
    parser.add_argument("--version", action="version", version=f"fpgaforge {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    for module in _command_modules():
        module.register(commands)
    return parser


def _command_modules() -> list:
    """Every module of `fpgaforge.commands`, each of which registers one subcommand."""
    import fpgaforge.commands as package

    names = sorted(
        info.name
        for info in pkgutil.iter_modules(package.__path__)
        if not info.name.startswith("_")
    )
    return [importlib.import_module(f"fpgaforge.commands.{name}") for name in names]


BUG_EXIT_CODE = 70
"""Exit code of an internal error (a bug in fpgaforge, not bad input)."""

MAX_MESSAGE_LINES = 3


def short_message(text: str, width: int = 160) -> str:
    """`text` cut to at most `MAX_MESSAGE_LINES` lines of `width` characters."""
    lines = [line for line in str(text).strip().splitlines() if line.strip()] or ["(no message)"]
    joined = " ".join(line.strip() for line in lines)
    limit = MAX_MESSAGE_LINES * width - len("error: ")
    return joined if len(joined) <= limit else joined[: limit - 1] + "…"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: run a command; fpgaforge errors print one sentence and exit with code 2.

    Numpy's floating-point warnings become one-line notes; anything that is not an
    `FpgaforgeError` is a bug: its traceback is printed with a request to report it."""
    parser = build_parser()
    args = parser.parse_args(argv)
    console = Console(width=None if sys.stdout.isatty() else 160)
    err = Console(stderr=True, width=None if sys.stderr.isatty() else 160)
    notes: list[str] = []

    def note(message, category, filename, lineno, file=None, line=None) -> None:
        text = short_message(str(message))
        if text not in notes and len(notes) < 5:
            notes.append(text)
            err.print(f"[yellow]note:[/yellow] {escape(text)}", highlight=False, soft_wrap=True)

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            warnings.simplefilter("always", RuntimeWarning)
            warnings.showwarning = note
            return int(args.handler(args, console) or 0)
    except FpgaforgeError as exc:
        err.print(
            f"[bold red]error:[/bold red] {escape(short_message(str(exc)))}",
            highlight=False,
            soft_wrap=True,
        )
        return exc.exit_code
    except KeyboardInterrupt:
        err.print("interrupted")
        return 130
    except MemoryError:
        err.print(
            "[bold red]error:[/bold red] fpgaforge ran out of memory; check the model's shapes "
            "or lower FPGAFORGE_MAX_ELEMENTS so oversized tensors are refused early.",
            highlight=False,
            soft_wrap=True,
        )
        return 2
    except OSError as exc:
        where = f" '{exc.filename}'" if exc.filename else ""
        err.print(
            f"[bold red]error:[/bold red] {escape(short_message(f'cannot access{where}: {exc.strerror or exc}; check the path, its permissions and the free disk space.'))}",
            highlight=False,
            soft_wrap=True,
        )
        return 2
    except Exception:
        traceback.print_exc()
        err.print(
            f"[bold red]internal error:[/bold red] this is a bug in fpgaforge {__version__}, not "
            "in your input; please report it with the command line and the traceback above.",
            highlight=False,
            soft_wrap=True,
        )
        return BUG_EXIT_CODE


if __name__ == "__main__":
    sys.exit(main())
