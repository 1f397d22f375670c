"""Estimates algebra: +, sum(), sequential, pipelined, shared, parallel, repeated."""

from __future__ import annotations

import pytest

from fpgaforge.units.cost.estimates import Estimates, parallel, pipelined, sequential, shared

A = Estimates(
    cycles=100, ii=80, dsp=4, lut=100, ff=50, bram=1.5, macs=1000, energy_j=0.5, offchip_bytes=10
)
B = Estimates(
    cycles=30, ii=20, dsp=2, lut=40, ff=10, bram=0.5, macs=200, energy_j=0.25, onchip_bytes=5
)


def test_add_and_sum_add_every_field() -> None:
    total = A + B
    assert total == Estimates(
        cycles=130,
        ii=100,
        dsp=6,
        lut=140,
        ff=60,
        bram=2.0,
        macs=1200,
        energy_j=0.75,
        offchip_bytes=10,
        onchip_bytes=5,
    )
    assert sum([A, B]) == total
    assert sequential([A, B]) == total
    assert sum([]) == 0 and sequential([]) == Estimates()


def test_pipelined_fills_add_and_the_slowest_interval_paces() -> None:
    # fills: (100-80) + (30-20) = 30; slowest interval 80 → latency 110, interval 80
    p = pipelined([A, B])
    assert p.cycles == 110 and p.ii == 80
    assert (p.dsp, p.lut, p.bram, p.macs) == (6, 140, 2.0, 1200)


def test_shared_hardware_counts_resources_once() -> None:
    s = shared([A, B])
    assert (s.cycles, s.ii, s.macs) == (130, 100, 1200)
    assert (s.dsp, s.lut, s.bram) == (4, 100, 1.5)


def test_parallel_and_repeated() -> None:
    par = parallel([A, B])
    assert (par.cycles, par.ii, par.dsp) == (100, 80, 6)
    r = A.repeated(3)
    assert (r.cycles, r.macs, r.dsp, r.lut) == (300, 3000, 4, 100)


def test_dict_round_trip() -> None:
    assert Estimates.from_dict(A.to_dict()) == A


def test_pipelined_need_waits_for_the_beat_that_carries_the_needed_elements() -> None:
    # producer: first output at 1, last at 100; consumer: 200 cycles at its own pace once
    # 30 % of its input elements are there
    producer = Estimates(cycles=101, ii=100, fill=1, drain=1)
    consumer = Estimates(cycles=200, ii=200, fill=5, drain=5, need=0.3)
    # continuous stream: 30 % of the span → 1 + 29.7; + 199
    assert pipelined([producer, consumer]).cycles == pytest.approx(230.7)
    # 4 beats of a quarter each: the 2nd beat (1/3 of the span) carries the 30 %
    assert pipelined([producer, consumer], out_beats=[4, 1]).cycles == pytest.approx(234)
    # 10 beats: the 3rd beat (2/9 of the span) completes exactly 30 %
    assert pipelined([producer, consumer], out_beats=[10, 1]).cycles == pytest.approx(223)
