"""Fuzz the ONNX importer: seeded mutations of small models, each imported in a forked child.

Run from the repository root::

    python bench/fuzz_import.py --cases 10000 [--seed 0] [--jobs 2] [--timeout 20] [--memory-mb 1024]

Prints the count of each outcome (accepted, clean error, bad message, uncaught exception,
crash, hang, memory) and the first cases of every bad outcome, with the seed and index
that reproduce them (`--only INDEX`). Exits 1 when any case is not accepted or a clean error.
The mutations live in `tests/frontend/onnx_fuzz.py`, shared with the test suite.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.frontend.onnx_fuzz import OUTCOMES, make_case, make_cases, run_cases  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--start", type=int, default=0, help="index of the first case")
    parser.add_argument("--jobs", type=int, default=1, help="cases imported at once")
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds per case")
    parser.add_argument("--memory-mb", type=int, default=1024, help="memory limit per case")
    parser.add_argument("--only", type=int, help="run the single case with this index")
    parser.add_argument("--show", type=int, default=5, help="failures printed per outcome")
    args = parser.parse_args(argv)

    if args.only is not None:
        cases = iter([make_case(args.seed, args.only)])
        total = 1
    else:
        cases = make_cases(args.seed, args.cases, args.start)
        total = args.cases
    started = time.monotonic()
    done = 0

    def progress(_result) -> None:
        nonlocal done
        done += 1
        if done % 500 == 0:
            rate = done / (time.monotonic() - started)
            print(f"  {done}/{total} cases ({rate:.0f}/s)", file=sys.stderr, flush=True)

    summary = run_cases(
        cases,
        jobs=args.jobs,
        timeout_s=args.timeout,
        memory_mb=args.memory_mb,
        on_result=progress,
    )
    elapsed = time.monotonic() - started
    print(
        f"fuzz_import: {total} cases, seed {args.seed}, start {args.start}, jobs {args.jobs}, "
        f"{elapsed:.1f} s"
    )
    for outcome in OUTCOMES:
        print(f"  {outcome:<20} {summary.counts.get(outcome, 0)}")
    shown: dict[str, int] = {}
    for result in summary.failures:
        if shown.get(result.outcome, 0) >= args.show:
            continue
        shown[result.outcome] = shown.get(result.outcome, 0) + 1
        case = result.case
        print(
            f"\n[{result.outcome}] --seed {args.seed} --only {case.index}: "
            f"{case.base} + {', '.join(case.mutations)}"
        )
        print("  " + result.detail.strip().replace("\n", "\n  "))
    return 0 if not summary.failures else 1


if __name__ == "__main__":
    sys.exit(main())
