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
// Config: N, K, GROUP, SHIFT, OUT_BITS, ACT_BITS, ACT_GROUP, ACT_SHIFT.
//
// linear_scaled<Cfg>(x, y, q, m): the same with any integer multiplier m [N][K/GROUP] (one
// product per group; the per-row and per-tensor weight scales of the W8A8 / W4A4 baselines).
#ifndef FF_POT_GEMV_H
#define FF_POT_GEMV_H

#include "mamba.h"

namespace ff {
namespace mamba {

template <class C, class Q, class S>
void linear(const code_t x[C::K], code_t y[C::N], const Q q[C::N * C::K],
            const S s1[C::N * (C::K / C::GROUP)], const S s2[C::N * (C::K / C::GROUP)]) {
    const int GROUPS = C::K / C::GROUP;
    code_t xq[C::K];
copy:
    for (int k = 0; k < C::K; k++) {
#pragma HLS PIPELINE II = 1
        xq[k] = x[k];
    }
    quantize_activation<C::K, C::ACT_BITS, C::ACT_GROUP, C::ACT_SHIFT>(xq);
rows:
    for (int n = 0; n < C::N; n++) {
        code_t acc = 0;
    groups:
        for (int g = 0; g < GROUPS; g++) {
            code_t part = 0;
        macs:
            for (int i = 0; i < C::GROUP; i++) {
#pragma HLS PIPELINE II = 1
                const int k = g * C::GROUP + i;
                part += xq[k] * code_t(q[n * C::K + k]);
            }
            acc += shl(part, int(s1[n * GROUPS + g])) + shl(part, int(s2[n * GROUPS + g]));
        }
        y[n] = saturate(shift_round(acc, C::SHIFT), C::OUT_BITS);
    }
}

template <class C, class Q, class M>
void linear_scaled(const code_t x[C::K], code_t y[C::N], const Q q[C::N * C::K],
                   const M m[C::N * (C::K / C::GROUP)]) {
    const int GROUPS = C::K / C::GROUP;
    code_t xq[C::K];
copy:
    for (int k = 0; k < C::K; k++) {
#pragma HLS PIPELINE II = 1
        xq[k] = x[k];
    }
    quantize_activation<C::K, C::ACT_BITS, C::ACT_GROUP, C::ACT_SHIFT>(xq);
rows:
    for (int n = 0; n < C::N; n++) {
        code_t acc = 0;
    groups:
        for (int g = 0; g < GROUPS; g++) {
            code_t part = 0;
        macs:
            for (int i = 0; i < C::GROUP; i++) {
#pragma HLS PIPELINE II = 1
                const int k = g * C::GROUP + i;
                part += xq[k] * code_t(q[n * C::K + k]);
            }
            acc += part * code_t(m[n * GROUPS + g]);
        }
        y[n] = saturate(shift_round(acc, C::SHIFT), C::OUT_BITS);
    }
}

}  // namespace mamba
}  // namespace ff

#endif
