"""What a build folder holds, read for the report: the build, its schedule, the quantization
error, and the verification runs (`csim`, `rtlsim`, `synth`) when they happened.

    OUT/build.json, OUT/schedule.json           fpgaforge build
    OUT/quant_errors.json                       fpgaforge build (per-tensor SQNR)
    OUT/hls/build/csim_result.json              fpgaforge csim
    OUT/rtl/sim_build/<simulator>/result.json   fpgaforge rtlsim (the bench's record)
    OUT/rtl/synth_<family>.json                 fpgaforge synth
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fpgaforge.errors import UsageError


def _json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise UsageError(f"'{path}' is unreadable ({exc}); rebuild the project.") from None


def read_build(folder: str | Path) -> dict[str, Any]:
    """Every report input found in `folder`; a folder without build.json and schedule.json
    is not a build."""
    root = Path(folder)
    if (
        not root.is_dir()
        or not (root / "build.json").is_file()
        or not (root / "schedule.json").is_file()
    ):
        raise UsageError(
            f"'{root}' is not a build folder (it has no build.json and schedule.json); "
            "give a folder written by `fpgaforge build`."
        )
    out: dict[str, Any] = {
        "folder": str(root),
        "build": _json(root / "build.json"),
        "schedule": (root / "schedule.json").read_text(),
    }
    if (root / "quant_errors.json").is_file():
        out["quant_errors"] = _json(root / "quant_errors.json")
    csim = root / "hls" / "build" / "csim_result.json"
    if csim.is_file():
        out["csim"] = _json(csim)
    rtl = root / "rtl"
    rtlsim = {}
    for result in sorted(rtl.glob("sim_build/*/result.json")):
        rtlsim[result.parent.name] = _json(result)
    if rtlsim:
        out["rtlsim"] = rtlsim
    synth = {p.stem.removeprefix("synth_"): _json(p) for p in sorted(rtl.glob("synth_*.json"))}
    if synth:
        out["synth"] = synth
    return out
