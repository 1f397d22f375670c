// W4A4 group-quantized GEMV with power-of-two group scales (IntLinear), the one engine of
// in_proj and out_proj.
//
// linear<Cfg>(x, y, q, s1, s2): x [K] codes at FRAC_IN are quantized by the activation
// quantizer (ACT_BITS, ACT_GROUP, ACT_SHIFT: see mamba.h quantize_activation); the weight
// is W = q * m * 2^W_EXP with codes q [N][K] (row-major) and per (row, group of GROUP input
// channels) the multiplier m = 2^s1 + 2^s2 (LightMamba's two shifts; s1 [N][K/GROUP],
// s2 likewise), so every group's partial sum p is scaled by two shifts and an add:
//     acc[n] = sum_g (p[n][g] << s1[n][g]) + (p[n][g] << s2[n][g])
//     y[n]   = saturate(shift_round(acc[n], SHIFT), OUT_BITS),  SHIFT = FRAC_IN - W_EXP - FRAC_OUT
// Config: N, K, GROUP, SHIFT, OUT_BITS, ACT_BITS, ACT_GROUP, ACT_SHIFT; the lanes ROWS x SIMD
// (ROWS output rows per cycle, SIMD input channels of each; K and GROUP multiples of SIMD) and
// the widths X_BITS (quantized input), PART_BITS (a group's sum) and ACC_BITS (a row's sum).
// One pipelined loop (II = 1) walks ceil(N / ROWS) row blocks of K / SIMD tiles: the ROWS x
// SIMD products of a tile are one cycle (the GEMV lanes of the estimate).
//
// linear_scaled<Cfg>(x, y, q, m): the same with any integer multiplier m [N][K/GROUP] (one
// product per group; the per-row and per-tensor weight scales of the W8A8 / W4A4 baselines).
#ifndef FF_POT_GEMV_H
#define FF_POT_GEMV_H

#include "mamba.h"

namespace ff {
namespace mamba {

// The quantized input of a GEMV in X_BITS codes, SIMD of them readable per cycle.
template <class C, class TX>
void gemv_input(const TX x[C::K], ap_int<C::X_BITS> xn[C::K]) {
    const int SIMD = C::SIMD;
    code_t xq[C::K];
#pragma HLS ARRAY_PARTITION variable = xq cyclic factor = SIMD
copy:
    for (int k = 0; k < C::K; k++) {
#pragma HLS PIPELINE II = 1
#pragma HLS UNROLL factor = SIMD
        xq[k] = code_t(x[k]);
    }
    quantize_activation<C::K, C::ACT_BITS, C::ACT_GROUP, C::ACT_SHIFT, C::SIMD>(xq);
narrow:
    for (int k = 0; k < C::K; k++) {
#pragma HLS PIPELINE II = 1
#pragma HLS UNROLL factor = SIMD
        xn[k] = xq[k];
    }
}

// The group-by-group GEMV both entry points share. POT: each group's partial sum is scaled
// by the shift pair (s1, s2) of that row and group (multiplier-free); otherwise by the
// integer multiplier s1 (s2 unused).
template <class C, bool POT, class TX, class TY, class Q, class S1, class S2>
void gemv_groups(const TX x[C::K], TY y[C::N], const Q q[C::N * C::K],
                 const S1 s1[C::N * (C::K / C::GROUP)], const S2 s2[C::N * (C::K / C::GROUP)]) {
    const int GROUPS = C::K / C::GROUP;
    const int ROWS = C::ROWS;
    const int SIMD = C::SIMD;
    const int TILES = C::K / C::SIMD;
    const int BLOCKS = (C::N + C::ROWS - 1) / C::ROWS;
    typedef typename acc<C::PART_BITS>::t part_t;
    typedef typename acc<C::ACC_BITS>::t acc_t;
    ap_int<C::X_BITS> xn[C::K];
#pragma HLS ARRAY_PARTITION variable = xn cyclic factor = SIMD
    part_t part[ROWS];
    acc_t sum[ROWS];
#pragma HLS ARRAY_PARTITION variable = part complete
#pragma HLS ARRAY_PARTITION variable = sum complete
    gemv_input<C>(x, xn);
steps:
    for (int t = 0; t < BLOCKS * TILES; t++) {
#pragma HLS PIPELINE II = 1
        const int n0 = (t / TILES) * ROWS;
        const int k0 = (t % TILES) * SIMD;
    rows:
        for (int r = 0; r < ROWS; r++) {
#pragma HLS UNROLL
            const int n = n0 + r < C::N ? n0 + r : C::N - 1;
            part_t p = k0 % C::GROUP == 0 ? part_t(0) : part[r];
            acc_t a = k0 == 0 ? acc_t(0) : sum[r];
        simd:
            for (int i = 0; i < SIMD; i++) {
#pragma HLS UNROLL
                p += xn[k0 + i] * q[n * C::K + k0 + i];
            }
            if ((k0 + SIMD) % C::GROUP == 0) {
                const int g = n * GROUPS + k0 / C::GROUP;
                if (POT) {
                    a += shl(code_t(p), int(s1[g])) + shl(code_t(p), int(s2[g]));
                } else {
                    a += code_t(p) * code_t(s1[g]);
                }
            }
            part[r] = p;
            sum[r] = a;
            if (k0 + SIMD == C::K && n0 + r < C::N) y[n0 + r] = saturate(shift_round(code_t(a), C::SHIFT), C::OUT_BITS);
        }
    }
}

template <class C, class TX, class TY, class Q, class S>
void linear(const TX x[C::K], TY y[C::N], const Q q[C::N * C::K],
            const S s1[C::N * (C::K / C::GROUP)], const S s2[C::N * (C::K / C::GROUP)]) {
    gemv_groups<C, true>(x, y, q, s1, s2);
}

template <class C, class TX, class TY, class Q, class M>
void linear_scaled(const TX x[C::K], TY y[C::N], const Q q[C::N * C::K],
                   const M m[C::N * (C::K / C::GROUP)]) {
    gemv_groups<C, false>(x, y, q, m, m);
}

}  // namespace mamba
}  // namespace ff

#endif
