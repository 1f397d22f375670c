// Integer layer normalization over rows of N codes (fpgaforge.ir.ops.table_int.layernorm_codes).
//
// Per row: S = sum x, Q = sum x^2, V = N*Q - S^2 + EPS (exact, N^2 * variance in code^2
// units plus the epsilon's codes); t = the smallest even shift with V >> t < SIZE;
// r = rsqrt_table[V >> t] (Python fills entry k with round(2**RFRAC / sqrt(k)), entry 0
// with 2**RFRAC); z_i = (N*x_i - S) * r shifted right by RFRAC + t/2 - NFRAC, rounded half
// up (the normalized value at 2**-NFRAC); y_i = z_i * gamma_i + beta_i on codes.
// Config: in_t, out_t, wide_t (signed, wide enough for every intermediate), N, ROWS,
// SIZE (a power of two), EPS, RFRAC, NFRAC (RFRAC > NFRAC).
#ifndef FF_LAYERNORM_H
#define FF_LAYERNORM_H

#include "ff_common.h"

namespace ff {

template <class Cfg, class RT, class GT, class BT>
void layernorm(hls::stream<typename Cfg::in_t>& in, hls::stream<typename Cfg::out_t>& out,
               const RT rsqrt_table[Cfg::SIZE], const GT gamma[Cfg::N], const BT beta[Cfg::N]) {
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
        wide_t v = wide_t(Cfg::N) * q - s * s + wide_t(Cfg::EPS);
        int t = 0;
        for (int k = 0; k < wide_t::width / 2; k++) {
#pragma HLS UNROLL
            if ((v >> t) >= wide_t(Cfg::SIZE)) t += 2;
        }
        wide_t r = rsqrt_table[(v >> t).to_int()];
        int sh = Cfg::RFRAC + t / 2 - Cfg::NFRAC;
        wide_t half = wide_t(1) << (sh - 1);
        for (int i = 0; i < Cfg::N; i++) {
#pragma HLS PIPELINE II = 1
            wide_t d = wide_t(Cfg::N) * wide_t(x[i]) - s;
            wide_t z = (d * r + half) >> sh;
            out.write(typename Cfg::out_t(z * wide_t(gamma[i]) + wide_t(beta[i])));
        }
    }
}

}  // namespace ff

#endif
