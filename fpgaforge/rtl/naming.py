"""Identifier sanitization: names from a model never reach Verilog, Python or Tcl verbatim."""

from __future__ import annotations

import re

_BAD = re.compile(r"[^A-Za-z0-9_]+")
_VERILOG_KEYWORDS = frozenset(
    "always and assign begin buf case casex casez cmos deassign default defparam disable edge else end "
    "endcase endfunction endmodule endprimitive endspecify endtable endtask event for force forever fork "
    "function generate genvar highz0 highz1 if initial inout input integer join large localparam macromodule "
    "medium module nand negedge nmos nor not notif0 notif1 or output parameter pmos posedge primitive pull0 "
    "pull1 pulldown pullup rcmos real realtime reg release repeat rnmos rpmos rtran rtranif0 rtranif1 "
    "scalared signed small specify specparam strong0 strong1 supply0 supply1 table task time tran tranif0 "
    "tranif1 tri tri0 tri1 triand trior trireg unsigned vectored wait wand weak0 weak1 while wire wor xnor xor "
    "logic bit byte int shortint longint".split()
)


def sanitize(name: str, *, prefix: str = "n", limit: int = 40) -> str:
    """A safe identifier for `name`: letters, digits and `_` only, not starting with a digit,
    not a keyword, at most `limit` characters (e.g. `'/net/net.0/Gemm'` → `net_net_0_Gemm`)."""
    text = _BAD.sub("_", name).strip("_")
    text = re.sub(r"_+", "_", text)[:limit].strip("_")
    if not text or text[0].isdigit() or text.lower() in _VERILOG_KEYWORDS or text.startswith("ff_"):
        text = f"{prefix}_{text}" if text else prefix
    return text


def comment_safe(text: str, limit: int = 80) -> str:
    """`text` made harmless inside a `//` comment: printable ASCII, no newlines, no comment markers."""
    text = "".join(ch if 32 <= ord(ch) < 127 else "?" for ch in text)
    text = text.replace("*/", "*_/").replace("/*", "/_*")
    return text[:limit]


class NameTable:
    """Hands out unique sanitized identifiers."""

    def __init__(self) -> None:
        self._taken: set[str] = set()

    def claim(self, name: str, *, prefix: str = "n") -> str:
        """A sanitized identifier for `name` that no earlier call returned."""
        base = sanitize(name, prefix=prefix)
        candidate, i = base, 1
        while candidate.lower() in self._taken:
            candidate = f"{base}_{i}"
            i += 1
        self._taken.add(candidate.lower())
        return candidate
