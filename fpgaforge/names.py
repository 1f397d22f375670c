"""Names from a model become safe identifiers before they reach C++, Verilog, Tcl or Python.

A model cannot inject code into a generated project: every name goes through a
`Namer` (identifiers) or `comment_safe` (text inside comments). The HLS and RTL
backends share this module and differ only in their keyword lists and limits.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_BAD = re.compile(r"[^A-Za-z0-9_]+")

CPP_KEYWORDS = frozenset(
    """alignas alignof and and_eq asm auto bitand bitor bool break case catch char char16_t char32_t class
    compl const constexpr const_cast continue decltype default delete do double dynamic_cast else enum
    explicit export extern false float for friend goto if inline int long mutable namespace new noexcept not
    not_eq nullptr operator or or_eq private protected public register reinterpret_cast return short signed
    sizeof static static_assert static_cast struct switch template this thread_local throw true try typedef
    typeid typename union unsigned using virtual void volatile wchar_t while xor xor_eq main std ff hls ap_int
    ap_uint ap_fixed ap_ufixed""".split()
)
VERILOG_KEYWORDS = frozenset(
    "always and assign begin buf case casex casez cmos deassign default defparam disable edge else end "
    "endcase endfunction endmodule endprimitive endspecify endtable endtask event for force forever fork "
    "function generate genvar highz0 highz1 if initial inout input integer join large localparam macromodule "
    "medium module nand negedge nmos nor not notif0 notif1 or output parameter pmos posedge primitive pull0 "
    "pull1 pulldown pullup rcmos real realtime reg release repeat rnmos rpmos rtran rtranif0 rtranif1 "
    "scalared signed small specify specparam strong0 strong1 supply0 supply1 table task time tran tranif0 "
    "tranif1 tri tri0 tri1 triand trior trireg unsigned vectored wait wand weak0 weak1 while wire wor xnor xor "
    "logic bit byte int shortint longint".split()
)


def identifier(
    raw: str,
    prefix: str = "n",
    *,
    keywords: Iterable[str] = CPP_KEYWORDS,
    limit: int | None = None,
    reserved_prefixes: tuple[str, ...] = (),
) -> str:
    """`raw` with every run of unsafe characters replaced by `_`: never empty, never a keyword,
    never starting with a digit, `_` or a reserved prefix, at most `limit` characters
    (e.g. `'/net/net.0/Gemm'` → `net_net_0_Gemm`)."""
    text = re.sub(r"_+", "_", _BAD.sub("_", raw)).strip("_")
    if limit is not None:
        text = text[:limit].strip("_")
    words = keywords if isinstance(keywords, frozenset) else frozenset(keywords)
    if (
        not text
        or text[0].isdigit()
        or text.lower() in words
        or text in words
        or text.startswith(reserved_prefixes)
    ):
        text = f"{prefix}_{text}" if text else prefix
    return text


def comment_safe(raw: str, limit: int | None = None) -> str:
    """Text safe inside `//`, `/* */` and `#` comments: printable ASCII without `*/`, `/*`,
    backslashes or line breaks."""
    text = "".join(ch if 32 <= ord(ch) < 127 else "?" for ch in raw)
    text = text.replace("*/", "* /").replace("/*", "/ *").replace("\\", "/")
    return text if limit is None else text[:limit]


class Namer:
    """Hands out unique identifiers; the same raw name in the same role always gets the same one.

    `fold_case=True` keeps identifiers unique regardless of case (for tools that treat
    `A` and `a` alike)."""

    def __init__(
        self,
        reserved: Iterable[str] = (),
        *,
        keywords: Iterable[str] = CPP_KEYWORDS,
        limit: int | None = None,
        reserved_prefixes: tuple[str, ...] = (),
        fold_case: bool = False,
    ) -> None:
        self._keywords = frozenset(keywords)
        self._limit = limit
        self._reserved_prefixes = reserved_prefixes
        self._fold = fold_case
        self._taken: set[str] = {self._key(r) for r in reserved}
        self._given: dict[tuple[str, str], str] = {}

    def _key(self, name: str) -> str:
        return name.lower() if self._fold else name

    def name(self, raw: str, prefix: str = "n") -> str:
        """A unique identifier for `raw` (with `prefix` as its role), stable across calls."""
        given = (prefix, raw)
        if given in self._given:
            return self._given[given]
        base = identifier(
            raw,
            prefix,
            keywords=self._keywords,
            limit=self._limit,
            reserved_prefixes=self._reserved_prefixes,
        )
        candidate, counter = base, 2
        while self._key(candidate) in self._taken:
            candidate = f"{base}_{counter}"
            counter += 1
        self._taken.add(self._key(candidate))
        self._given[given] = candidate
        return candidate

    def claim(self, raw: str, *, prefix: str = "n") -> str:
        """A fresh identifier for `raw`, even when the same raw name was named before."""
        base = identifier(
            raw,
            prefix,
            keywords=self._keywords,
            limit=self._limit,
            reserved_prefixes=self._reserved_prefixes,
        )
        candidate, counter = base, 1
        while self._key(candidate) in self._taken:
            candidate = f"{base}_{counter}"
            counter += 1
        self._taken.add(self._key(candidate))
        return candidate
