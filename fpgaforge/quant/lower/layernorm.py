"""Integer rule of LayerNorm (semantics in `fpgaforge.ir.ops.table_int.layernorm_codes`).

The row's sums are exact; 1/sqrt of n² · variance comes from a table of 2^LN_TABLE_BITS
entries round(2^LN_RSQRT_FRAC / sqrt(k)) indexed by the variance shifted right by an even
amount (a floating-point style index: about LN_TABLE_BITS − 2 significant bits whatever
the row's scale). The normalized value carries LN_NORM_FRAC fractional bits; gamma is
quantized to LN_PARAM_BITS-bit fixed point and beta to the product's lsb, so the node's
output z · gamma + beta is exact and a Requant narrows it to the planned output type.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from fpgaforge.errors import QuantizationError
from fpgaforge.ir.node import Node
from fpgaforge.numerics.convert import quantize_real
from fpgaforge.numerics.types import Fixed
from fpgaforge.quant.lower.driver import Lowering, integer_rule
from fpgaforge.quant.lower.rowwise import _step
from fpgaforge.quant.lut import LookupTable
from fpgaforge.quant.plan import fixed_int_bits

LN_TABLE_BITS = 10
"""Index bits of the reciprocal square root table (2^LN_TABLE_BITS entries)."""
LN_RSQRT_FRAC = 16
"""Fractional bits R of the table's entries round(2^R / sqrt(k))."""
LN_NORM_FRAC = 10
"""Fractional bits F of the normalized value (x − mean) / std."""
LN_PARAM_BITS = 16
"""Width of gamma's signed fixed-point codes."""
LN_MAX_WIDTH = 62
"""Every intermediate of the integer LayerNorm must fit in this many bits (int64 headroom)."""


def rsqrt_table(index_bits: int = LN_TABLE_BITS, frac: int = LN_RSQRT_FRAC) -> np.ndarray:
    """Entries round(2^frac / sqrt(k)) for k = 0..2^index_bits − 1 (entry 0 is 2^frac)."""
    k = np.maximum(np.arange(1 << index_bits, dtype=np.float64), 1.0)
    return np.round((1 << frac) / np.sqrt(k)).astype(np.int64)


def norm_bits(n: int, frac: int = LN_NORM_FRAC) -> int:
    """Signed width of the normalized value of a row of n: |z| < (sqrt(n) + 1) · 2^frac."""
    return frac + (math.isqrt(max(n, 1)) + 1).bit_length() + 1


@integer_rule("LayerNorm")
def layernorm(lo: Lowering, node: Node) -> None:
    x = lo.get(node.inputs[0])
    out = node.outputs[0]
    src = node.inputs[0]
    axis = int(node.attrs["axis"]) % src.rank
    n = math.prod(src.shape[axis:])
    step = _step(node, x.dtype)
    params = []
    for index in (1, 2):
        value = node.inputs[index] if index < len(node.inputs) else None
        if value is not None and value.const is None:
            raise QuantizationError(
                f"The {'scale' if index == 1 else 'bias'} of {node.where()} is computed, "
                f"but the integer LayerNorm needs constant parameters; fold it into a constant."
            )
        params.append(None if value is None else np.asarray(value.const, np.float64))
    gamma, beta = params
    biggest = max(abs(int(x.dtype.min_code)), abs(int(x.dtype.max_code)))
    eps_codes = int(round(n * n * float(node.attrs["epsilon"]) / (step * step)))
    z_bits = norm_bits(n)
    widest = max(
        (n * n * biggest * biggest + eps_codes).bit_length(),
        (2 * n * biggest).bit_length() + LN_RSQRT_FRAC + 2,
        z_bits + LN_PARAM_BITS + 1,
    )
    if widest > LN_MAX_WIDTH:
        raise QuantizationError(
            f"The integer LayerNorm at {node.where()} needs {widest}-bit intermediates "
            f"(rows of {n}, {x.dtype}), beyond {LN_MAX_WIDTH} bits; quantize its input to "
            f"fewer bits."
        )
    gamma_t = Fixed(LN_PARAM_BITS, fixed_int_bits(float(np.abs(gamma).max())), True)
    frac = LN_NORM_FRAC + gamma_t.frac_bits
    gamma_c = lo.const(f"{node.name}_gamma", quantize_real(gamma, gamma_t), gamma_t)
    prod_bits = z_bits + LN_PARAM_BITS
    inputs = [x, gamma_c]
    if beta is not None:
        beta_codes = np.round(beta * 2.0**frac).astype(np.int64)
        beta_bits = max(2, int(np.abs(beta_codes).max(initial=0)).bit_length() + 1)
        beta_t = Fixed(beta_bits, beta_bits - frac, True)
        inputs.append(lo.const(f"{node.name}_beta", beta_codes, beta_t))
        prod_bits = max(prod_bits, beta_bits) + 1
    acc_t = Fixed(prod_bits, prod_bits - frac, True)
    attrs = {
        **node.attrs,
        "axis": axis,
        "eps_codes": eps_codes,
        "rsqrt_frac": LN_RSQRT_FRAC,
        "norm_frac": LN_NORM_FRAC,
    }
    (y,) = lo.emit("LayerNorm", inputs, acc_t, node, attrs=attrs, out_names=[f"{out.name}_acc"])
    producer = y.producer
    assert producer is not None
    producer.quant = dataclasses.replace(producer.quant, table=LookupTable(0, 0, rsqrt_table()))
    lo.map[id(out)] = lo.requant(y, lo.type_of(out), node, out.name, axis=src.rank - 1)
