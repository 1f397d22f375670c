// RMSNorm on codes, optionally gated (IntRMSNorm; its weight is folded into the next linear).
//
// rmsnorm<Cfg>(x, gate, y, rsqrt): with GATED, g = shift_round(x * gate, FRAC_GATE) (gate: the
// SiLU(z) codes from an IntTable), else g = x. Per group of GROUP codes:
//     mean  = sum(g^2) / GROUP + EPS          (integer division, the sum is >= 0)
//     t     = max(bitlen(mean) - TABLE_BITS, 0), made even (t + (t & 1))
//     y     = shift_round(g * rsqrt[mean >> t], R_BITS + t/2 - FRAC_OUT)
// rsqrt [2^TABLE_BITS] is the reciprocal square root table (R_BITS fractional bits).
// Config: N, GROUP, GATED, FRAC_GATE, EPS, TABLE_BITS, R_BITS, FRAC_OUT, TABLE_SIZE; LANES codes
// per cycle (the norm lanes of the estimate) and the widths G_BITS (g) and ACC_BITS (sum g^2).
#ifndef FF_RMSNORM_H
#define FF_RMSNORM_H

#include "mamba.h"

namespace ff {
namespace mamba {

template <class C, class TX, class TG, class TY, class R>
void rmsnorm(const TX x[C::N], const TG gate[C::N], TY y[C::N], const R rsqrt[C::TABLE_SIZE]) {
    const int LANES = C::LANES;
    typedef typename acc<C::G_BITS>::t g_t;
    typedef typename acc<C::ACC_BITS>::t acc_t;
    g_t g[C::N];
#pragma HLS ARRAY_PARTITION variable = g cyclic factor = LANES
gating:
    for (int i = 0; i < C::N; i++) {
#pragma HLS PIPELINE II = 1
#pragma HLS UNROLL factor = LANES
        g[i] = C::GATED ? shift_round(code_t(x[i]) * code_t(gate[i]), C::FRAC_GATE) : code_t(x[i]);
    }
groups:
    for (int p = 0; p < C::N / C::GROUP; p++) {
        acc_t sum = 0;
    squares:
        for (int i = 0; i < C::GROUP; i++) {
#pragma HLS PIPELINE II = 1
#pragma HLS UNROLL factor = LANES
            const g_t v = g[p * C::GROUP + i];
            sum += v * v;
        }
        const code_t mean = code_t(sum) / C::GROUP + C::EPS;
        int t = bitlen(mean) - C::TABLE_BITS;
        t = t < 0 ? 0 : t;
        t += t & 1;
        const code_t r = code_t(rsqrt[mean >> t]);
    scale:
        for (int i = 0; i < C::GROUP; i++) {
#pragma HLS PIPELINE II = 1
#pragma HLS UNROLL factor = LANES
            y[p * C::GROUP + i] = shift_round(code_t(g[p * C::GROUP + i]) * r, C::R_BITS + t / 2 - C::FRAC_OUT);
        }
    }
}

}  // namespace mamba
}  // namespace ff

#endif
