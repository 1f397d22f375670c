"""ONNX op_type → converter functions."""

from __future__ import annotations

from collections.abc import Callable

from fpgaforge.frontend.onnx.context import ImportContext
from fpgaforge.ir.value import Value

Converter = Callable[[ImportContext], list[Value | None]]

CONVERTERS: dict[tuple[str, str], Converter] = {}
INLINED = ("If", "Scan")
"""Ops the importer replaces by graph content (a taken branch, an unrolled body)."""
"""(domain, op_type) → converter; domain "" is the default ONNX domain."""

QONNX_DOMAINS = ("qonnx.custom_op.general", "finn.custom_op.general", "onnx.brevitas", "qonnx")


def converter(*op_types: str, domain: str = "") -> Callable[[Converter], Converter]:
    """Register a converter for one or more ONNX op types."""

    def wrap(fn: Converter) -> Converter:
        for op_type in op_types:
            CONVERTERS[(domain, op_type)] = fn
        return fn

    return wrap


def find(domain: str, op_type: str) -> Converter | None:
    domain = "" if domain in ("", "ai.onnx") else domain
    if domain in QONNX_DOMAINS:
        domain = "qonnx"
    return CONVERTERS.get((domain, op_type))


def supported_op_types() -> list[str]:
    """ONNX op types fpgaforge imports (QONNX ones prefixed by their domain)."""
    converted = [op if dom == "" else f"{dom}.{op}" for dom, op in CONVERTERS]
    return sorted([*converted, *INLINED])
