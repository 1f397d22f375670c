"""Identifier sanitizer: model and node names become safe, unique C++/Tcl identifiers.

A model cannot inject code into a generated project: every name from the model goes
through `Namer.name` (identifiers) or `safe_comment` (text inside comments).
"""

from __future__ import annotations

import re

_CPP_KEYWORDS = frozenset(
    """alignas alignof and and_eq asm auto bitand bitor bool break case catch char char16_t char32_t class
    compl const constexpr const_cast continue decltype default delete do double dynamic_cast else enum
    explicit export extern false float for friend goto if inline int long mutable namespace new noexcept not
    not_eq nullptr operator or or_eq private protected public register reinterpret_cast return short signed
    sizeof static static_assert static_cast struct switch template this thread_local throw true try typedef
    typeid typename union unsigned using virtual void volatile wchar_t while xor xor_eq main std ff hls ap_int
    ap_uint ap_fixed ap_ufixed""".split()
)
_BAD = re.compile(r"[^A-Za-z0-9_]+")


def identifier(raw: str, prefix: str = "n") -> str:
    """`raw` with every run of unsafe characters replaced by `_`; never empty, never a keyword,
    never starting with a digit or with `_` (reserved forms like `__x` and `_X` are avoided)."""
    text = _BAD.sub("_", raw).strip("_")
    text = re.sub(r"_+", "_", text)
    if not text or text[0].isdigit():
        text = f"{prefix}_{text}" if text else prefix
    if text in _CPP_KEYWORDS:
        text = f"{prefix}_{text}"
    return text


def safe_comment(raw: str) -> str:
    """Text safe inside `//`, `/* */` and `#` comments: printable ASCII without `*/`, backslashes
    or line breaks."""
    text = "".join(ch if 32 <= ord(ch) < 127 else "?" for ch in raw)
    return text.replace("*/", "* /").replace("/*", "/ *").replace("\\", "/")


class Namer:
    """Hands out unique identifiers: the same raw name (in the same role) always gets the same one."""

    def __init__(self, reserved: tuple[str, ...] = ()) -> None:
        self._taken: set[str] = set(reserved)
        self._given: dict[tuple[str, str], str] = {}

    def name(self, raw: str, prefix: str = "n") -> str:
        """A unique identifier for `raw` (with `prefix` as its role), stable across calls."""
        key = (prefix, raw)
        if key in self._given:
            return self._given[key]
        base = identifier(raw, prefix)
        candidate, counter = base, 2
        while candidate in self._taken:
            candidate = f"{base}_{counter}"
            counter += 1
        self._taken.add(candidate)
        self._given[key] = candidate
        return candidate
