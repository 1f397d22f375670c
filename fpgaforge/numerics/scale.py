"""Scales of `Int` tensors: per tensor, per channel, per group, and powers of two."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from fpgaforge.numerics.errors import NumericTypeError, check_int


@dataclass(frozen=True)
class Scale:
    """Real value of one code step of an `Int` tensor: per tensor, per channel or per group.

    ``values`` holds one positive float per tensor / channel / group; ``axis`` is the
    channel axis (None for per-tensor); ``group_size`` splits that axis into groups of
    consecutive elements. Power-of-two scales also keep their integer ``exponents``
    (value = 2.0**exponent), which lets hardware replace the multiply by a shift.
    Use the constructors `per_tensor`, `per_channel`, `per_group`, `pow2`.
    """

    values: tuple[float, ...]
    axis: int | None = None
    group_size: int | None = None
    exponents: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        values = tuple(float(v) for v in _as_sequence(self.values, "Scale values"))
        if not values:
            raise NumericTypeError("Scale needs at least one value.")
        for v in values:
            if not (math.isfinite(v) and v > 0):
                raise NumericTypeError(f"Scale values must be finite and positive, got {v!r}.")
        object.__setattr__(self, "values", values)
        if self.axis is None:
            if self.group_size is not None:
                raise NumericTypeError("A per-group Scale needs an axis.")
            if len(values) != 1:
                raise NumericTypeError(
                    f"A per-tensor Scale has exactly one value, got {len(values)}; give an axis for per-channel scales."
                )
        else:
            object.__setattr__(self, "axis", check_int(self.axis, "Scale axis"))
        if self.group_size is not None:
            size = check_int(self.group_size, "Scale group_size")
            if size < 1:
                raise NumericTypeError(f"Scale group_size must be at least 1, got {size}.")
            object.__setattr__(self, "group_size", size)
        if self.exponents is not None:
            exps = tuple(
                check_int(e, "Scale exponent")
                for e in _as_sequence(self.exponents, "Scale exponents")
            )
            if len(exps) != len(values) or any(
                math.ldexp(1.0, e) != v for e, v in zip(exps, values, strict=True)
            ):
                raise NumericTypeError("Scale exponents must match values (value = 2**exponent).")
            object.__setattr__(self, "exponents", exps)

    @classmethod
    def per_tensor(cls, value: float) -> Scale:
        """One scale for the whole tensor."""
        return cls((value,))

    @classmethod
    def per_channel(cls, values: Iterable[float], axis: int) -> Scale:
        """One scale per index along ``axis``."""
        return cls(tuple(values), axis=axis)

    @classmethod
    def per_group(cls, values: Iterable[float], axis: int, group_size: int) -> Scale:
        """One scale per ``group_size`` consecutive indices along ``axis``."""
        return cls(tuple(values), axis=axis, group_size=group_size)

    @classmethod
    def pow2(
        cls, exponents: int | Iterable[int], axis: int | None = None, group_size: int | None = None
    ) -> Scale:
        """Power-of-two scales 2**exponent (per tensor when ``exponents`` is one int)."""
        exps = (exponents,) if isinstance(exponents, int | np.integer) else tuple(exponents)
        exps = tuple(check_int(e, "Scale exponent") for e in exps)
        for e in exps:
            if not -1074 <= e <= 1023:
                raise NumericTypeError(
                    f"Scale exponent must be within a float64's range [-1074, 1023], got {e}."
                )
        return cls(
            tuple(math.ldexp(1.0, e) for e in exps),
            axis=axis,
            group_size=group_size,
            exponents=exps,
        )

    @property
    def granularity(self) -> str:
        """``"tensor"``, ``"channel"`` or ``"group"``."""
        if self.axis is None:
            return "tensor"
        return "channel" if self.group_size is None else "group"

    @property
    def is_pow2(self) -> bool:
        """Whether every scale is a power of two (``exponents`` is set)."""
        return self.exponents is not None

    def broadcast(self, shape: Sequence[int]) -> np.ndarray:
        """The scales as a float64 array broadcastable against a tensor of ``shape``."""
        values = np.asarray(self.values, dtype=np.float64)
        if self.axis is None:
            return values.reshape((1,) * len(shape))
        ndim = len(shape)
        if not -ndim <= self.axis < ndim:
            raise NumericTypeError(
                f"Scale axis {self.axis} is out of range for a tensor of shape {tuple(shape)}."
            )
        axis = self.axis % ndim
        length = shape[axis]
        groups = 1 if self.group_size is None else self.group_size
        expected = -(-length // groups)
        if len(values) != expected:
            raise NumericTypeError(
                f"Scale has {len(values)} values but axis {axis} of shape {tuple(shape)} needs {expected}."
            )
        per_index = np.repeat(values, groups)[:length]
        view = [1] * ndim
        view[axis] = length
        return per_index.reshape(view)


def _as_sequence(values: object, what: str) -> tuple:
    if isinstance(values, int | float | np.number):
        return (values,)
    try:
        return tuple(np.asarray(values).reshape(-1).tolist())
    except (TypeError, ValueError) as exc:
        raise NumericTypeError(f"{what} must be a number or a sequence of numbers.") from exc
