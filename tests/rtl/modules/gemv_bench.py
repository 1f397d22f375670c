"""cocotb bench of ff_pot_gemv: runs a list of products on one instance (the shape set on
the cfg ports before each), three input streams (activations, weights, scale shifts) and
the output stream.

The pytest side writes a JSON job (env `FF_GEMV_JOB`): `products`, each with its `cfg`
(row_blocks, col_beats, group_beats, shift), the `x`, `w`, `s` beats, the number of
output beats and `stall` (share of cycles with m_ready low and with each input's valid low,
seeded by the job's `seed`; 0: full rate). The bench records, per product, the cycles of every weight handshake and
every output beat and the output words.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import ReadOnly, RisingEdge

STREAMS = ("x", "w", "s")


@cocotb.test()
async def gemv(dut) -> None:
    """Drive every product's beats, collect its outputs with their cycle numbers."""
    job = json.loads(Path(os.environ["FF_GEMV_JOB"]).read_text())
    rng = random.Random(job.get("seed", 0))
    Clock(dut.clk, 10, unit="ns").start()
    dut.rst.value = 1
    for name in STREAMS:
        getattr(dut, f"s_{name}_valid").value = 0
        getattr(dut, f"s_{name}_data").value = 0
    dut.m_ready.value = 0
    for _ in range(3):
        await RisingEdge(dut.clk)
    dut.rst.value = 0
    results = []
    cycle = 0
    for product in job["products"]:
        cfg = product["cfg"]
        stall = float(product.get("stall", 0.0))
        dut.cfg_row_blocks.value = cfg["row_blocks"]
        dut.cfg_col_beats.value = cfg["col_beats"]
        dut.cfg_group_beats.value = cfg["group_beats"]
        dut.cfg_shift.value = cfg["shift"] & 0xFF
        await RisingEdge(dut.clk)
        cycle += 1
        at = dict.fromkeys(STREAMS, 0)
        w_at: list[int] = []
        out_at: list[int] = []
        out_data: list[int] = []
        limit = cycle + 200_000
        while len(out_at) < product["outputs"] and cycle < limit:
            offered = {}
            for name in STREAMS:
                beats = product[name]
                offered[name] = at[name] < len(beats) and rng.random() >= stall
                getattr(dut, f"s_{name}_valid").value = int(offered[name])
                getattr(dut, f"s_{name}_data").value = beats[at[name]] if offered[name] else 0
            ready = rng.random() >= stall
            dut.m_ready.value = int(ready)
            await ReadOnly()
            for name in STREAMS:
                if offered[name] and getattr(dut, f"s_{name}_ready").value == 1:
                    at[name] += 1
                    if name == "w":
                        w_at.append(cycle)
            if ready and dut.m_valid.value == 1:
                out_at.append(cycle)
                out_data.append(int(dut.m_data.value.to_unsigned()))
            await RisingEdge(dut.clk)
            cycle += 1
        for name in STREAMS:
            getattr(dut, f"s_{name}_valid").value = 0
        results.append({"w_at": w_at, "out_at": out_at, "out_data": out_data, "taken": at})
    Path(job["result"]).write_text(json.dumps(results))
