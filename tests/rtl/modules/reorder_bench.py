"""cocotb bench for ff_reorder under back-pressure: random input gaps and random output stalls.

The pytest side writes a JSON job (env `FF_STREAM_JOB`): input words `beats`, the number of
output beats `outputs`, a random `seed`, the probabilities `gap` (input valid held low) and
`stall` (m_ready low), and where to write the collected output words.
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
async def throttled(dut) -> None:
    """Drive every input beat with random gaps, collect the outputs with random stalls."""
    job = json.loads(Path(os.environ["FF_STREAM_JOB"]).read_text())
    beats: list[int] = job["beats"]
    wanted: int = job["outputs"]
    rng = random.Random(job["seed"])
    Clock(dut.clk, 10, unit="ns").start()
    dut.rst.value = 1
    dut.s_valid.value = 0
    dut.s_data.value = 0
    dut.m_ready.value = 0
    for _ in range(3):
        await RisingEdge(dut.clk)
    dut.rst.value = 0
    await RisingEdge(dut.clk)
    out_data: list[int] = []
    i = 0
    cycle = 0
    while len(out_data) < wanted and cycle < job.get("max_cycles", 100_000):
        offer = i < len(beats) and rng.random() >= job["gap"]
        dut.s_valid.value = int(offer)
        dut.s_data.value = beats[i] if offer else 0
        dut.m_ready.value = int(rng.random() >= job["stall"])
        await ReadOnly()
        if offer and dut.s_ready.value == 1:
            i += 1
        if dut.m_valid.value == 1 and dut.m_ready.value == 1:
            out_data.append(int(dut.m_data.value.to_unsigned()))
        await RisingEdge(dut.clk)
        cycle += 1
    Path(job["result"]).write_text(json.dumps({"out_data": out_data}))
