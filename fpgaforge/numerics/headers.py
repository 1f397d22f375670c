"""Locate the ap_types headers (``ap_fixed.h``, ``ap_int.h``) shipped by the hls4ml package.

These Apache-2.0 headers are the reference for fpgaforge's numeric semantics: C
simulation compiles against them, and the tests prove the emulation in
`fpgaforge.numerics.fixed` bit-exact against them.
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

from fpgaforge.errors import FpgaforgeError

__all__ = ["HeadersNotFoundError", "ap_types_dir"]

_SUBDIR = ("templates", "vivado", "ap_types")
_REQUIRED = ("ap_fixed.h", "ap_int.h")


class HeadersNotFoundError(FpgaforgeError):
    """The ap_types headers are not installed."""


@lru_cache(maxsize=1)
def ap_types_dir() -> Path:
    """Directory holding ``ap_fixed.h`` inside the installed hls4ml package.

    Raises `HeadersNotFoundError` (one sentence, with the fix) when hls4ml is missing
    or ships no headers. Add it to a g++ command line as ``-I``.
    """
    spec = importlib.util.find_spec("hls4ml")
    if spec is None or not spec.submodule_search_locations:
        raise HeadersNotFoundError(
            "The ap_types headers (ap_fixed.h) were not found because the hls4ml package is not installed; run `pip install hls4ml==1.3.0`."
        )
    for location in spec.submodule_search_locations:
        folder = Path(location).joinpath(*_SUBDIR)
        if all((folder / name).is_file() for name in _REQUIRED):
            return folder
    raise HeadersNotFoundError(
        f"The installed hls4ml package has no ap_types headers under {'/'.join(_SUBDIR)}; reinstall it with `pip install hls4ml==1.3.0`."
    )
