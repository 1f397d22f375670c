// Table-based softmax over rows of N codes (fpgaforge.ir.ops.table_int.softmax_codes).
//
// For each row: m = max(x); d_i = m - x_i (an exact code distance);
// e_i = exp_table[min(d_i >> SHIFT, SIZE - 1)] (Python fills the table with
// round(2**EXP_FRAC * exp(-(k << SHIFT) * lsb)), unsigned); s = sum e_i;
// y_i = floor((e_i << OUT_FRAC) / s). Exact integer arithmetic, one division per output.
// Config: in_t, out_t, exp_t, sum_t (wide unsigned), N, ROWS, SIZE, SHIFT, OUT_FRAC.
#ifndef FF_SOFTMAX_H
#define FF_SOFTMAX_H

#include "ff_common.h"

namespace ff {

template <class Cfg, class TT>
void softmax(hls::stream<typename Cfg::in_t>& in, hls::stream<typename Cfg::out_t>& out,
             const TT exp_table[Cfg::SIZE]) {
    typedef ap_int<Cfg::in_t::width + 2> dist_t;
    typedef ap_uint<Cfg::exp_t::width + Cfg::OUT_FRAC> num_t;
    for (int row = 0; row < Cfg::ROWS; row++) {
        typename Cfg::in_t x[Cfg::N];
        typename Cfg::exp_t e[Cfg::N];
        typename Cfg::in_t m = 0;
        for (int i = 0; i < Cfg::N; i++) {
#pragma HLS PIPELINE II = 1
            x[i] = in.read();
            if (i == 0 || x[i] > m) m = x[i];
        }
        typename Cfg::sum_t s = 0;
        for (int i = 0; i < Cfg::N; i++) {
#pragma HLS PIPELINE II = 1
            dist_t d = (dist_t(m) - dist_t(x[i])) >> Cfg::SHIFT;
            int k = d > dist_t(Cfg::SIZE - 1) ? (Cfg::SIZE - 1) : d.to_int();
            e[i] = exp_table[k];
            s += e[i];
        }
        for (int i = 0; i < Cfg::N; i++) {
#pragma HLS PIPELINE II = 1
            num_t num = num_t(e[i]) << Cfg::OUT_FRAC;
            out.write(typename Cfg::out_t(num / s));
        }
    }
}

}  // namespace ff

#endif
