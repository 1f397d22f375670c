"""cocotb bench of ff_pot_quant against fpgaforge.ir.ops.intssm.quantize_activation: the job
(env `FF_POT_JOB`) lists words of 16 codes; every code of the four quantizers of
tb_pot_quant (q << s) is compared with the reference."""

from __future__ import annotations

import json
import os
from pathlib import Path

import cocotb
import numpy as np
from cocotb.triggers import Timer

from fpgaforge.ir.ops.intssm import quantize_activation

#: (output, shift output, bits, attrs) of tb_pot_quant's four instances
QUANTIZERS = (
    ("q4", "s4", 4, {"act_bits": 4, "act_group": 8, "act_shift": 0}),
    ("q8", "s8", 8, {"act_bits": 8, "act_group": 8, "act_shift": 0}),
    ("qs", "ss", 4, {"act_bits": 4, "act_group": 0, "act_shift": 3}),
    ("qn", "sn", 8, {"act_bits": 8, "act_group": 0, "act_shift": -1}),
)


def fields(word: int, count: int, width: int, signed: bool) -> list[int]:
    out = []
    for i in range(count):
        v = (word >> (i * width)) & ((1 << width) - 1)
        if signed and v >> (width - 1):
            v -= 1 << width
        out.append(v)
    return out


@cocotb.test()
async def pot_quant(dut) -> None:
    job = json.loads(Path(os.environ["FF_POT_JOB"]).read_text())
    compared = bad = 0
    for codes in job["words"]:
        word = 0
        for i, v in enumerate(codes):
            word |= (int(v) & 0xFFFFFFFF) << (32 * i)
        dut.x.value = word
        await Timer(1, unit="ns")
        for out, sh, bits, attrs in QUANTIZERS:
            q = fields(getattr(dut, out).value.to_unsigned(), 16, bits, True)
            groups = 2 if attrs["act_group"] else 1
            s = fields(getattr(dut, sh).value.to_unsigned(), groups, 4, False)
            got = [v << s[i * groups // 16] for i, v in enumerate(q)]
            want = quantize_activation(np.array(codes, np.int64), attrs).tolist()
            compared += len(want)
            if got != want:
                bad += sum(int(g != w) for g, w in zip(got, want, strict=True))
                dut._log.error(f"{out} {codes}: got {got} want {want}")
    Path(job["result"]).write_text(json.dumps({"compared": compared, "mismatches": bad}))
    assert bad == 0, f"{bad} mismatches"
