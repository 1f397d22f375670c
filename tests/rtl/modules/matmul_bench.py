"""cocotb bench of ff_act_matmul: both operand streams driven at full rate from a JSON job
(env `FF_MATMUL_JOB`: `a`, `b` words, `outputs` to collect, optional `stall`), every
handshake's cycle recorded as in stream_bench."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import ReadOnly, RisingEdge


@cocotb.test()
async def matmul(dut) -> None:
    """Drive `a` and `b` at once, collect `outputs` beats with their cycle numbers."""
    job = json.loads(Path(os.environ["FF_MATMUL_JOB"]).read_text())
    a, b, wanted = job["a"], job["b"], job["outputs"]
    Clock(dut.clk, 10, unit="ns").start()
    dut.rst.value = 1
    for port in ("a", "b"):
        getattr(dut, f"{port}_valid").value = 0
        getattr(dut, f"{port}_data").value = 0
    dut.m_ready.value = 0
    for _ in range(3):
        await RisingEdge(dut.clk)
    dut.rst.value = 0
    await RisingEdge(dut.clk)
    rng = random.Random(job.get("seed", 0))
    stall = float(job.get("stall", 0.0))
    at = {"a": 0, "b": 0}
    in_at: list[int] = []
    out_at: list[int] = []
    out_data: list[int] = []
    cycle = 0
    while len(out_at) < wanted and cycle < job.get("max_cycles", 200_000):
        for port, words in (("a", a), ("b", b)):
            i = at[port]
            getattr(dut, f"{port}_valid").value = int(i < len(words))
            getattr(dut, f"{port}_data").value = words[i] if i < len(words) else 0
        ready = rng.random() >= stall
        dut.m_ready.value = int(ready)
        await ReadOnly()
        took = False
        for port, words in (("a", a), ("b", b)):
            if at[port] < len(words) and getattr(dut, f"{port}_ready").value == 1:
                at[port] += 1
                took = True
        if took:
            in_at.append(cycle)
        if ready and dut.m_valid.value == 1:
            out_at.append(cycle)
            out_data.append(int(dut.m_data.value.to_unsigned()))
        await RisingEdge(dut.clk)
        cycle += 1
    Path(job["result"]).write_text(
        json.dumps({"in_at": in_at, "out_at": out_at, "out_data": out_data})
    )
