// Table-based layer normalization over rows of N codes (not emitted by the quantizer
// yet; unit-tested against a Python model).
//
// With S = sum x, Q = sum x^2: d_i = N*x_i - S and V = N*Q - S^2 (= N^2 * variance,
// exact integers); r = rsqrt_table[min(V >> VSHIFT, SIZE - 1)] (Python fills it with
// round(2**RFRAC / sqrt((k << VSHIFT) * lsb^2 + eps)) / N-scaled as documented in
// fpgaforge.hls.tables); y_i = ((d_i * r) >> SHIFT) * gamma_i + beta_i (floor shift).
// Config: in_t, out_t, wide_t (signed, wide), r_t, param_t, N, ROWS, SIZE, VSHIFT, SHIFT.
#ifndef FF_LAYERNORM_H
#define FF_LAYERNORM_H

#include "ff_common.h"

namespace ff {

template <class Cfg>
void layernorm(hls::stream<typename Cfg::in_t>& in, hls::stream<typename Cfg::out_t>& out,
               const typename Cfg::r_t rsqrt_table[Cfg::SIZE], const typename Cfg::param_t gamma[Cfg::N],
               const typename Cfg::param_t beta[Cfg::N]) {
    typedef typename Cfg::wide_t wide_t;
    for (int row = 0; row < Cfg::ROWS; row++) {
        typename Cfg::in_t x[Cfg::N];
        wide_t s = 0, q = 0;
        for (int i = 0; i < Cfg::N; i++) {
#pragma HLS PIPELINE II = 1
            x[i] = in.read();
            s += wide_t(x[i]);
            q += wide_t(x[i]) * wide_t(x[i]);
        }
        wide_t v = wide_t(Cfg::N) * q - s * s;
        wide_t k = v >> Cfg::VSHIFT;
        int idx = k > wide_t(Cfg::SIZE - 1) ? Cfg::SIZE - 1 : k.to_int();
        wide_t r = rsqrt_table[idx];
        for (int i = 0; i < Cfg::N; i++) {
#pragma HLS PIPELINE II = 1
            wide_t d = wide_t(Cfg::N) * wide_t(x[i]) - s;
            wide_t y = (d * r) >> Cfg::SHIFT;
            out.write(typename Cfg::out_t(y * wide_t(gamma[i]) + wide_t(beta[i])));
        }
    }
}

}  // namespace ff

#endif
