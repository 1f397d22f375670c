"""Generic cocotb bench for one streaming library module (s_/m_ valid-ready ports).

The pytest side writes a JSON job (env `FF_STREAM_JOB`): input words `beats`, the number
of output beats to collect `outputs`, and where to write the result. The bench drives the
input at full rate (valid whenever a beat is left), keeps `m_ready` high (or, with `stall`
in the job, drops it in that share of cycles, seeded by `seed`) and records the cycle of
every input and output handshake, so the test can derive latency and interval.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import ReadOnly, RisingEdge


@cocotb.test()
async def stream(dut) -> None:
    """Drive every input beat, collect `outputs` output beats with their cycle numbers."""
    job = json.loads(Path(os.environ["FF_STREAM_JOB"]).read_text())
    beats: list[int] = job["beats"]
    wanted: int = job["outputs"]
    Clock(dut.clk, 10, unit="ns").start()
    dut.rst.value = 1
    dut.s_valid.value = 0
    dut.s_data.value = 0
    dut.m_ready.value = 0
    for _ in range(3):
        await RisingEdge(dut.clk)
    dut.rst.value = 0
    await RisingEdge(dut.clk)
    in_at: list[int] = []
    out_at: list[int] = []
    out_data: list[int] = []
    cycle = 0
    i = 0
    limit = job.get("max_cycles", 100_000)
    stall = float(job.get("stall", 0.0))
    rng = random.Random(job.get("seed", 0))
    while len(out_at) < wanted and cycle < limit:
        dut.s_valid.value = int(i < len(beats))
        dut.s_data.value = beats[i] if i < len(beats) else 0
        ready = rng.random() >= stall
        dut.m_ready.value = int(ready)
        await ReadOnly()
        if i < len(beats) and dut.s_ready.value == 1:
            in_at.append(cycle)
            i += 1
        if ready and dut.m_valid.value == 1:
            out_at.append(cycle)
            out_data.append(int(dut.m_data.value.to_unsigned()))
        await RisingEdge(dut.clk)
        cycle += 1
    Path(job["result"]).write_text(
        json.dumps({"in_at": in_at, "out_at": out_at, "out_data": out_data})
    )
