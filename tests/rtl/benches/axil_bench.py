"""cocotb bench of ff_axil_regs (IN_BEATS = 2): register map, W1C done, soft reset, counters."""

from __future__ import annotations

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import RisingEdge

ID_VALUE = 0x46465254
VERSION_VALUE = 0x000102


async def read(dut, addr: int) -> int:
    """One AXI4-Lite read."""
    dut.s_axil_araddr.value = addr
    dut.s_axil_arvalid.value = 1
    while True:
        await RisingEdge(dut.clk)
        if int(dut.s_axil_arready.value):
            break
    dut.s_axil_arvalid.value = 0
    while not int(dut.s_axil_rvalid.value):
        await RisingEdge(dut.clk)
    assert int(dut.s_axil_rresp.value) == 0
    value = int(dut.s_axil_rdata.value)
    await RisingEdge(dut.clk)
    return value


async def write(dut, addr: int, value: int) -> None:
    """One AXI4-Lite write (address and data together, all bytes enabled)."""
    dut.s_axil_awaddr.value = addr
    dut.s_axil_wdata.value = value
    dut.s_axil_wstrb.value = 0xF
    dut.s_axil_awvalid.value = 1
    dut.s_axil_wvalid.value = 1
    while True:
        await RisingEdge(dut.clk)
        if int(dut.s_axil_awready.value) and int(dut.s_axil_wready.value):
            break
    dut.s_axil_awvalid.value = 0
    dut.s_axil_wvalid.value = 0
    while not int(dut.s_axil_bvalid.value):
        await RisingEdge(dut.clk)
    assert int(dut.s_axil_bresp.value) == 0
    await RisingEdge(dut.clk)


async def beat(dut, *, inp: bool = False, out: bool = False, last: bool = False) -> None:
    """One cycle with the given stream handshakes."""
    dut.in_fire.value = int(inp)
    dut.out_fire.value = int(out)
    dut.out_last.value = int(last)
    await RisingEdge(dut.clk)
    dut.in_fire.value = 0
    dut.out_fire.value = 0
    dut.out_last.value = 0


@cocotb.test()
async def test_registers(dut) -> None:
    Clock(dut.clk, 10, unit="ns").start()
    for name in ("awvalid", "wvalid", "arvalid", "awaddr", "araddr", "wdata", "wstrb"):
        getattr(dut, f"s_axil_{name}").value = 0
    dut.s_axil_bready.value = 1
    dut.s_axil_rready.value = 1
    dut.in_fire.value = 0
    dut.out_fire.value = 0
    dut.out_last.value = 0
    dut.rst.value = 1
    for _ in range(3):
        await RisingEdge(dut.clk)
    dut.rst.value = 0
    await RisingEdge(dut.clk)

    assert await read(dut, 0x00) == ID_VALUE
    assert await read(dut, 0x04) == VERSION_VALUE
    assert await read(dut, 0x08) == 1, "RUN is set after reset"
    assert await read(dut, 0x0C) == 0, "idle, not done"
    assert await read(dut, 0x3C) == 0, "unmapped addresses read 0"
    c1 = await read(dut, 0x10)
    c2 = await read(dut, 0x10)
    assert c2 > c1 > 0, (c1, c2)

    await write(dut, 0x08, 0)
    assert int(dut.run.value) == 0
    assert await read(dut, 0x08) == 0
    await write(dut, 0x08, 1)
    assert int(dut.run.value) == 1

    # one inference: two input beats, then its last output beat five cycles later
    await beat(dut, inp=True)
    await beat(dut, inp=True)
    status = await read(dut, 0x0C)
    assert status & 2 and status >> 16 == 1, hex(status)
    busy_before = await read(dut, 0x18)
    for _ in range(3):
        await beat(dut)
    await beat(dut, out=True, last=True)
    assert await read(dut, 0x14) == 1
    assert await read(dut, 0x0C) == 1, "done, not busy"
    busy = await read(dut, 0x18)
    assert busy > busy_before > 0
    latency = await read(dut, 0x1C)
    assert latency > 6, latency
    await write(dut, 0x0C, 1)
    assert await read(dut, 0x0C) == 0, "DONE is write-1-to-clear"

    # soft reset: a one-cycle pulse that drops the in-flight count
    await beat(dut, inp=True)
    assert (await read(dut, 0x0C)) >> 16 == 1
    dut.s_axil_awaddr.value = 0x08
    dut.s_axil_wdata.value = 0x3
    dut.s_axil_wstrb.value = 0xF
    dut.s_axil_awvalid.value = 1
    dut.s_axil_wvalid.value = 1
    await RisingEdge(dut.clk)
    dut.s_axil_awvalid.value = 0
    dut.s_axil_wvalid.value = 0
    pulses = 0
    for _ in range(4):
        await RisingEdge(dut.clk)
        pulses += int(dut.soft_rst.value)
    assert pulses == 1
    assert await read(dut, 0x08) == 1, "SOFT_RESET reads 0"
    assert (await read(dut, 0x0C)) >> 16 == 0

    # CLEAR zeroes the counters
    await write(dut, 0x08, 0x5)
    assert await read(dut, 0x14) == 0
    assert await read(dut, 0x10) < 10
