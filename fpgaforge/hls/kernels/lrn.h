// Local response normalization across channels (fpgaforge.ir.ops.table_int.lrn_codes).
//
// Channel-last stream: PIXELS pixels of C codes. For each code x_c: q = sum of x_j^2 over
// the channels j in [c - BEFORE, c - BEFORE + WIN) (zero outside); f = factor_table[
// min(q >> SHIFT, SIZE - 1)] (Python fills it with round(2**G * (bias + alpha/WIN * q *
// lsb^2)^-beta) at the middle of each bucket); y = x_c * f, the product's codes (a Requant
// follows). Config: in_t, out_t, q_t (wide unsigned), f_t; C, PIXELS, WIN, BEFORE, SIZE, SHIFT.
#ifndef FF_LRN_H
#define FF_LRN_H

#include "ff_common.h"

namespace ff {

template <class Cfg, class TT>
void lrn(hls::stream<typename Cfg::in_t>& in, hls::stream<typename Cfg::out_t>& out,
         const TT factor_table[Cfg::SIZE]) {
    typedef typename Cfg::q_t q_t;
    for (int p = 0; p < Cfg::PIXELS; p++) {
        typename Cfg::in_t x[Cfg::C];
        q_t sq[Cfg::C];
        for (int c = 0; c < Cfg::C; c++) {
#pragma HLS PIPELINE II = 1
            x[c] = in.read();
            sq[c] = q_t(ap_int<2 * Cfg::in_t::width + 1>(x[c]) * ap_int<2 * Cfg::in_t::width + 1>(x[c]));
        }
        for (int c = 0; c < Cfg::C; c++) {
#pragma HLS PIPELINE II = 1
            q_t q = 0;
            for (int j = 0; j < Cfg::WIN; j++) {
                int cc = c - Cfg::BEFORE + j;
                if (cc >= 0 && cc < Cfg::C) q += sq[cc];
            }
            q_t k = q >> Cfg::SHIFT;
            int idx = k > q_t(Cfg::SIZE - 1) ? Cfg::SIZE - 1 : k.to_int();
            typename Cfg::f_t f = factor_table[idx];
            out.write(typename Cfg::out_t(typename Cfg::out_t(x[c]) * typename Cfg::out_t(f)));
        }
    }
}

}  // namespace ff

#endif
