"""Each template's cost model on small cases checked by hand (the arithmetic is in the comments)."""

from __future__ import annotations

import pytest

from fpgaforge.units.conv.cost import ConvSWU
from fpgaforge.units.cost.hardware import view
from fpgaforge.units.cost.template import CostContext, Epilogue
from fpgaforge.units.depthwise.cost import DepthwiseVVAU
from fpgaforge.units.eltwise.cost import Eltwise
from fpgaforge.units.glue.cost import SkipFifo
from fpgaforge.units.hadamard.cost import Hadamard
from fpgaforge.units.lutact.cost import LutActivation
from fpgaforge.units.mvau.cost import MVAU
from fpgaforge.units.pool.cost import Pool
from fpgaforge.units.requant.cost import Requant
from fpgaforge.units.softmax_norm.cost import SoftmaxNorm
from fpgaforge.units.sparse_gemm.cost import SparseGemm
from fpgaforge.units.ssm_scan.cost import SSMScan
from fpgaforge.units.tiled_gemm.cost import TiledGemmEngine, TiledGemmLayer


@pytest.fixture(scope="module")
def ctx() -> CostContext:
    return CostContext.of(view("ultra96v2"))  # DSP48E2, 200 MHz


def test_mvau(ctx: CostContext) -> None:
    t = MVAU(
        mh=64, mw=32, vectors=1, weight_bits=8, act_bits=8, acc_bits=24, out_bits=8, pe=4, simd=8
    )
    e = t.estimate(ctx)
    # FINN: (MH/PE)·(MW/SIMD)·vectors = (64/4)·(32/8)·1 = 64; + 5 pipeline cycles of latency
    assert e.ii == 64 and e.cycles == 69
    # 4 PE x 8 SIMD int8 products, two per DSP48E2 sharing the activation: ceil(4/2)·8 = 16
    assert e.dsp == 16
    # weights: width 4·8·8 = 256 bits, depth 16·4 = 64: shallow → LUT RAM, 256 LUTs holding 16384 bits
    assert e.lutram_bits == 64 * 32 * 8
    assert e.macs == 64 * 32
    # unfolding fully: one cycle per vector
    full = t.with_folding(pe=64, simd=32).estimate(ctx)
    assert full.ii == 1 and full.dsp == 32 * 32


def test_conv_sliding_window(ctx: CostContext) -> None:
    t = ConvSWU(
        cin=2,
        cout=4,
        in_h=6,
        in_w=6,
        kh=3,
        kw=3,
        out_h=6,
        out_w=6,
        groups=1,
        batch=1,
        weight_bits=8,
        act_bits=8,
        acc_bits=24,
        out_bits=8,
        pe=2,
        simd=2,
    )
    e = t.estimate(ctx)
    # MVAU: mh = 4, mw = 2·3·3 = 18 → (4/2)·(18/2)·36 pixels = 648
    # window generator: 6·6·ceil(2/2) = 36 < 648 → II 648
    # line buffer fill: ((3−1)·6 + 3)·ceil(2/2) = 15 → latency 648 + 15 + 5 = 668
    assert e.ii == 648 and e.cycles == 668
    assert e.dsp == 2  # ceil(2/2)·2 SIMD
    # a 1-input-channel conv is bounded by the window generator: 6·6·1 = 36 per frame
    fast = ConvSWU(
        cin=1,
        cout=4,
        in_h=6,
        in_w=6,
        kh=3,
        kw=3,
        out_h=6,
        out_w=6,
        groups=1,
        batch=1,
        weight_bits=8,
        act_bits=8,
        acc_bits=24,
        out_bits=8,
        pe=4,
        simd=9,
    )
    assert fast.estimate(ctx).ii == 36


def test_depthwise(ctx: CostContext) -> None:
    t = DepthwiseVVAU(
        channels=8,
        multiplier=1,
        in_h=10,
        in_w=10,
        kh=3,
        kw=3,
        out_h=8,
        out_w=8,
        batch=1,
        weight_bits=8,
        act_bits=8,
        acc_bits=20,
        out_bits=8,
        pe=4,
        simd=3,
    )
    e = t.estimate(ctx)
    # VVAU: (8/4)·(9/3)·64 = 384; window generator 100·(8/4) = 200 → II 384
    assert e.ii == 384
    # no activation sharing across channels: one DSP per product: 4·3 = 12
    assert e.dsp == 12
    assert e.macs == 8 * 9 * 64


def test_pool(ctx: CostContext) -> None:
    t = Pool(channels=16, in_h=8, in_w=8, kh=2, kw=2, out_h=4, out_w=4, batch=1, bits=8, pe=4)
    e = t.estimate(ctx)
    # every input read once: 8·8·16/4 = 256 cycles
    assert e.ii == 256 and e.dsp == 0
    g = Pool(
        channels=16,
        in_h=8,
        in_w=8,
        kh=8,
        kw=8,
        out_h=1,
        out_w=1,
        batch=1,
        bits=8,
        pool_kind="avg",
        is_global=True,
        pe=16,
    )
    # global average over 64 = 2^6 pixels: a shift, no DSP; 64 cycles
    assert g.estimate(ctx).ii == 64 and g.estimate(ctx).dsp == 0


def test_eltwise(ctx: CostContext) -> None:
    add = Eltwise(op="add", elements=1000, channels=10, bits=8, inputs=2, pe=5)
    e = add.estimate(ctx)
    assert e.ii == 200 and e.dsp == 0  # 1000 / 5
    mul = Eltwise(op="mul", elements=1000, channels=10, bits=8, inputs=2, pe=5)
    assert mul.estimate(ctx).dsp == 3  # ceil(5/2) packed int8 products
    # the skip FIFO of a residual join is a glue stage: 500 elements at 5 lanes, 100 beats
    # of 5·8 = 40 bits = 4000 bits → LUT RAM
    fifo = SkipFifo(elements=500, bits=8, lanes=5, depth=100).estimate(ctx)
    assert fifo.lutram_bits == 40 * 100 and fifo.ii == 100 and fifo.cycles == 101


def test_lut_activation(ctx: CostContext) -> None:
    t = LutActivation(func="sigmoid", elements=400, channels=4, in_bits=8, out_bits=8, pe=4)
    e = t.estimate(ctx)
    # 2^8 entries x 8 bits = 2048 bits → LUT RAM; 4 lookups per cycle need ceil(4/2) = 2 copies
    assert e.ii == 100 and e.lutram_bits == 2 * 2048
    wide = LutActivation(
        func="tanh",
        elements=400,
        channels=4,
        in_bits=16,
        out_bits=16,
        table_bits=12,
        pe=1,
        table_mem="bram",
    )
    # 16-bit inputs index a 2^12-entry table of 16 bits = 65536 bits > one BRAM36 (36864):
    # best aspect 18 x 2048 per BRAM36 → ceil(16/18)·ceil(4096/2048) = 2
    assert wide.estimate(ctx).bram == 2.0


def test_softmax_and_layernorm(ctx: CostContext) -> None:
    s = SoftmaxNorm(op="softmax", rows=2, row_len=10, bits=8)
    assert s.options() == [{"pe": 1}]
    # ff_softmax: exp + sum (10), the reciprocal ceil(2^(24+36) / s) of 45 bits (45 + 1), the
    # outputs (10) per row, K = bit length of 2^16 · 10 · 2^16 = 36: 2·(10 + 46 + 10) = 132
    g = s.softmax_geometry()
    assert (g.k, g.r_w, g.sum_w) == (36, 45, 20)
    assert s.estimate(ctx).ii == 132
    ln = SoftmaxNorm(op="layernorm", rows=4, row_len=16, bits=8, pe=4)
    # two passes of 16/4 = 4 + 8 cycles of rsqrt per row: 4·(8 + 8) = 64
    assert ln.estimate(ctx).ii == 64


def test_requant(ctx: CostContext) -> None:
    t = Requant(elements=100, channels=10, in_bits=24, out_bits=8, mult_bits=16, pe=10)
    e = t.estimate(ctx)
    # 10 per cycle; 24 x 16 fits one 27x18 multiplier: 10 DSPs
    assert e.ii == 10 and e.dsp == 10
    shift = Requant(elements=100, channels=10, in_bits=24, out_bits=8, mult_bits=0, pe=10)
    assert shift.estimate(ctx).dsp == 0


def test_epilogue_power_of_two_requant_is_free_of_dsps(ctx: CostContext) -> None:
    assert Epilogue(requant=True, power_of_two=True).estimate(ctx, 4, 24, 8, 100).dsp == 0
    assert Epilogue(requant=True, mult_bits=16).estimate(ctx, 4, 24, 8, 100).dsp == 4


def test_sparse_gemm(ctx: CostContext) -> None:
    t = SparseGemm(
        mh=16,
        mw=32,
        vectors=2,
        n=2,
        m=4,
        weight_bits=8,
        act_bits=8,
        acc_bits=24,
        out_bits=8,
        pe=4,
        simd=8,
    )
    e = t.estimate(ctx)
    # SIMD 8 inputs = two groups of 4, 2 multipliers each: 4 products per lane
    assert t.nz == 4 and e.dsp == 16  # 4 x 4 products, never packed (no requant epilogue)
    # 2:4 keeps 16 of 32 per row: (16/4)·(16/4)·2 = 32 cycles; 16·16·2 = 512 effective MACs
    assert e.ii == 32 and e.macs == 512
    # values + 2-bit indices: 4·4·(8+2) = 160 bits wide, 4·4 = 16 deep
    assert t.memories()[0][1:] == (160, 16)


def test_hadamard(ctx: CostContext) -> None:
    t = Hadamard(n=16, vectors=3, bits=8, lanes=2)
    # ff_hadamard: 3 vectors · (load + log2(16)=4 stages) · 16 / (2·2 lanes) + 16/4 out = 72
    e = t.estimate(ctx)
    assert e.ii == 72 and e.dsp == 0


def test_ssm_scan(ctx: CostContext) -> None:
    # 4 channels x 4 states = 16 pairs; 4 lanes → 4 cycles/token < loop latency 6 → 10·6 = 60
    assert SSMScan(seq_len=10, d_inner=4, d_state=4, bits=8, lanes=4).estimate(ctx).ii == 60
    # 2 lanes → 8 cycles/token hides the loop: 10·8 = 80
    assert SSMScan(seq_len=10, d_inner=4, d_state=4, bits=8, lanes=2).estimate(ctx).ii == 80
    assert SSMScan(seq_len=10, d_inner=4, d_state=4, bits=8, lanes=2).macs == 4 * 10 * 16 + 10 * 4


def test_tiled_gemm_layer(ctx: CostContext) -> None:
    layer = TiledGemmLayer(
        m=100,
        k=64,
        n=32,
        groups=1,
        weight_bits=8,
        act_bits=8,
        acc_bits=24,
        out_bits=8,
        in_elements=6400,
        out_elements=3200,
        rows=16,
        cols=16,
        m_tile=1000,
        weight_buffer_bits=64 * 16 * 8,
        act_buffer_bits=10**6,
        setup_cycles=0,
    )
    # folds = ceil(64/16)·ceil(32/16) = 8; per fold 100 + 16 + 16 − 2 = 130; + 16 first load → 1056
    assert layer.compute_cycles() == 1056
    # weights once (a 64x16 slab fits): 64·32 bytes; activations stay on chip
    assert layer.offchip_bytes() == (2048.0, 0.0)
    cost = layer.cost(ctx)
    assert cost.bound == "compute" and cost.estimates.cycles == 1056
    # m tiled by 40: chunks 40, 40, 20 → per fold 2·(40+30) + (20+30) = 190 → 8·190 + 16 = 1536
    assert layer.with_folding(m_tile=40).compute_cycles() == 1536


def test_tiled_engine_resources(ctx: CostContext) -> None:
    engine = TiledGemmEngine(
        weight_bits=8,
        act_bits=8,
        acc_bits=24,
        rows=8,
        cols=8,
        vector_lanes=8,
        weight_buffer_bits=8 * 8 * 64,
        act_buffer_bits=0,
        acc_buffer_rows=64,
    )
    e = engine.estimate(ctx)
    # array: 8x8 int8 products packed two per DSP: ceil(8/2)·8 = 32; vector unit: 8 lanes 16x24 → 8
    assert e.dsp == 32 + 8
