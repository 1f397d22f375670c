"""cocotb bench of ff_requant against fpgaforge.numerics.requant.requantize (all 28 mode pairs)."""

from __future__ import annotations

import random

import cocotb
import numpy as np
from cocotb.triggers import Timer

from fpgaforge.numerics.codes import OVERFLOW_CODES, ROUNDING_CODES
from fpgaforge.numerics.requant import requantize
from fpgaforge.numerics.types import Int

# Index = the ROUNDING / OVERFLOW parameter tb_requant gives each ff_requant instance.
ROUNDINGS = sorted(ROUNDING_CODES, key=ROUNDING_CODES.__getitem__)
OVERFLOWS = sorted(OVERFLOW_CODES, key=OVERFLOW_CODES.__getitem__)


def lanes(word: int, count: int, width: int, signed: bool) -> list[int]:
    out = []
    for i in range(count):
        v = (word >> (i * width)) & ((1 << width) - 1)
        if signed and v >> (width - 1):
            v -= 1 << width
        out.append(v)
    return out


@cocotb.test()
async def requant_all_modes(dut) -> None:
    rng = random.Random(7)
    cases = []
    for _ in range(500):
        acc = rng.choice([rng.randint(-(1 << 19), (1 << 19) - 1), rng.randint(-300, 300)])
        mult = rng.choice([1, -1, rng.randint(-(1 << 15), (1 << 15) - 1), rng.randint(1, 64)])
        shift = rng.choice([rng.randint(-3, 24), rng.randint(0, 6), 40])
        cases.append((acc, mult, shift))
    cases += [
        (2, 1, 2),
        (-2, 1, 2),
        (6, 1, 2),
        (-6, 1, 2),
        (3, 1, 1),
        (-3, 1, 1),
        (-(1 << 19), -1, 0),
    ]
    bad = 0
    for acc, mult, shift in cases:
        dut.acc.value = acc & ((1 << 20) - 1)
        dut.mult.value = mult & 0xFFFF
        dut.shift.value = shift & 0xFF
        await Timer(1, unit="ns")
        got_s = lanes(dut.q_s.value.to_unsigned(), 28, 6, True)
        got_u = lanes(dut.q_u.value.to_unsigned(), 4, 5, False)
        for r, rounding in enumerate(ROUNDINGS):
            for o, overflow in enumerate(OVERFLOWS):
                want = int(
                    requantize(np.array([acc]), mult, shift, rounding, Int(6, True), overflow)[0]
                )
                if got_s[r * 4 + o] != want:
                    bad += 1
                    dut._log.error(
                        f"{acc}*{mult}>>{shift} {rounding}/{overflow}: got {got_s[r * 4 + o]} want {want}"
                    )
        for o, overflow in enumerate(OVERFLOWS):
            want = int(
                requantize(np.array([acc]), mult, shift, "RND_CONV", Int(5, False), overflow)[0]
            )
            if got_u[o] != want:
                bad += 1
                dut._log.error(
                    f"unsigned {acc}*{mult}>>{shift} {overflow}: got {got_u[o]} want {want}"
                )
    assert bad == 0, f"{bad} mismatches"
