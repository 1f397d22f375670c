"""What quantization decided for a node beyond its attributes and its values' types.

A quantized node's arithmetic is fixed by its op, its attributes and the numeric
types of its values; `QuantInfo` holds the few decisions that are none of these:
how its weights are laid out and multiplied (`WeightFormat`), and how an
activation runs on integer codes (a lookup table or clip bounds). Each node holds
one frozen `QuantInfo` (`Node.quant`); passes replace it, never edit it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

import numpy as np

from fpgaforge.errors import QuantizationError


class WeightKind(StrEnum):
    """The families of weight formats (see `WeightFormat`)."""

    PLAIN = "plain"
    K_HOT = "k_hot"
    N_M = "n_m"


@dataclass(frozen=True)
class WeightFormat:
    """How a layer's integer weights are laid out and multiplied in hardware.

    kind: PLAIN, dense codes with one multiplier per product; K_HOT, every weight
      has at most `k` non-zero signed power-of-two digits, so a product is `k`
      shifts and adds and needs no DSP (power-of-two weights are K_HOT with k = 1);
      N_M, at most `n` of every `m` consecutive weights along the reduction axis are
      non-zero, stored as values and indices.
    k: digits per weight (K_HOT only).
    n_m: (n, m) (N_M only).
    Build them with `WeightFormat.plain()`, `.k_hot(k)` and `.sparse(n, m)`.
    """

    kind: WeightKind = WeightKind.PLAIN
    k: int | None = None
    n_m: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        kind = WeightKind(self.kind)
        object.__setattr__(self, "kind", kind)
        if kind is WeightKind.K_HOT:
            if self.k is None or self.k < 1 or self.n_m is not None:
                raise QuantizationError(
                    f"A K-hot weight format needs k >= 1 and no N:M pattern, got k={self.k!r}, "
                    f"n_m={self.n_m!r}."
                )
        elif kind is WeightKind.N_M:
            pattern = None if self.n_m is None else tuple(int(v) for v in self.n_m)
            if self.k is not None or pattern is None or len(pattern) != 2:
                raise QuantizationError(
                    f"An N:M weight format needs n_m=(n, m) and no k, got k={self.k!r}, "
                    f"n_m={self.n_m!r}."
                )
            n, m = pattern
            if not 0 < n <= m:
                raise QuantizationError(f"An N:M weight format needs 0 < n <= m, got {n}:{m}.")
            object.__setattr__(self, "n_m", pattern)
        elif self.k is not None or self.n_m is not None:
            raise QuantizationError(
                f"A plain weight format takes no k or n_m, got k={self.k!r}, n_m={self.n_m!r}."
            )

    @classmethod
    def plain(cls) -> WeightFormat:
        return cls()

    @classmethod
    def k_hot(cls, k: int) -> WeightFormat:
        return cls(WeightKind.K_HOT, k=int(k))

    @classmethod
    def sparse(cls, n: int, m: int) -> WeightFormat:
        return cls(WeightKind.N_M, n_m=(int(n), int(m)))

    @property
    def shift_add(self) -> bool:
        """True when products are shifts and adds (no multiplier)."""
        return self.kind is WeightKind.K_HOT

    def __str__(self) -> str:
        if self.kind is WeightKind.K_HOT:
            return f"{self.k}-hot"
        if self.kind is WeightKind.N_M:
            assert self.n_m is not None
            return f"{self.n_m[0]}:{self.n_m[1]} sparse"
        return "plain"

    # ---- the string-keyed form of type plans in QONNX metadata (and of old annotations)
    def to_json(self) -> dict[str, Any]:
        """The JSON form type plans store: {} for plain, {"shift_add": true, "k_hot": k}
        for K-hot, {"nm_sparsity": [n, m]} for N:M."""
        if self.kind is WeightKind.K_HOT:
            return {"shift_add": True, "k_hot": self.k}
        if self.kind is WeightKind.N_M:
            assert self.n_m is not None
            return {"nm_sparsity": list(self.n_m)}
        return {}

    @classmethod
    def from_json(cls, data: Mapping[str, Any], where: str = "a type plan") -> WeightFormat:
        """Inverse of `to_json`; `shift_add` without `k_hot` means k = 2, as cost models
        have always read it. A QuantizationError names keys it does not know."""
        unknown = sorted(set(data) - {"shift_add", "k_hot", "nm_sparsity"})
        if unknown:
            raise QuantizationError(
                f"The weight format of {where} has unknown keys {unknown}; "
                f"use shift_add with k_hot, or nm_sparsity."
            )
        if data.get("nm_sparsity"):
            if data.get("shift_add"):
                raise QuantizationError(
                    f"The weight format of {where} is both K-hot and N:M sparse; choose one."
                )
            n, m = data["nm_sparsity"]
            return cls.sparse(n, m)
        if data.get("shift_add"):
            return cls.k_hot(int(data.get("k_hot") or 2))
        return cls.plain()


PLAIN = WeightFormat()
"""The default weight format."""


class CodeTable(Protocol):
    """A lookup table from input codes to output codes (`fpgaforge.quant.lut.LookupTable`)."""

    offset: int
    shift: int
    values: np.ndarray

    def lookup(self, codes: np.ndarray) -> np.ndarray: ...


@dataclass(frozen=True)
class QuantInfo:
    """Quantization decisions a node carries beyond its attributes and value types.

    weights: the format of the node's weights (layers with weights; PLAIN elsewhere).
    table: an Activation's lookup table over its input codes (non-linear functions).
    clip_codes: a clip Activation's (low, high) bounds as codes of its input type.
    An activation has at most one of `table` and `clip_codes`; ReLU needs neither.
    """

    weights: WeightFormat = PLAIN
    table: CodeTable | None = None
    clip_codes: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        if self.table is not None and self.clip_codes is not None:
            raise QuantizationError("An activation has a lookup table or clip bounds, not both.")
        if self.clip_codes is not None:
            low, high = self.clip_codes
            object.__setattr__(self, "clip_codes", (int(low), int(high)))

    def legacy_annotations(self) -> dict[str, Any]:
        """The string-keyed dict `Node.annotations` used to hold for these decisions."""
        data: dict[str, Any] = dict(self.weights.to_json())
        if "nm_sparsity" in data:
            data["nm_sparsity"] = tuple(data["nm_sparsity"])
        if self.table is not None:
            data["table"] = self.table
        if self.clip_codes is not None:
            data["clip_codes"] = self.clip_codes
        return data
