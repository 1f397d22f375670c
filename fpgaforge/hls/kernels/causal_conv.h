// Causal depthwise conv1d decode step with its window state (IntConv1d).
//
// conv1d<Cfg>(x, state_in, y, state_out, q, w_shift, bias): x [C] codes at FRAC_IN are
// quantized by the activation quantizer (ACT_BITS, ACT_GROUP, ACT_SHIFT: mamba.h
// quantize_activation) and join the state [C][K-1] (the last K-1 quantized inputs per
// channel, oldest first) as the window [C][K]; per channel c
//     y[c] = shift_round(sum_k window[c][k] * q[c][k], FRAC_IN + w_shift[c] - FRAC_OUT) + bias[c]
// and the new state is the window's last K-1 columns. Codes q [C][K] (row-major), the
// per-channel shift w_shift [C] and the bias codes bias [C] (at FRAC_OUT) are tables.
// Config: C, K, FRAC_IN, FRAC_OUT, ACT_BITS, ACT_GROUP, ACT_SHIFT; LANES channels per cycle
// (the conv lanes of the estimate, all K taps of a channel at once) and the widths X_BITS
// (quantized input) and ACC_BITS (a channel's sum).
#ifndef FF_CAUSAL_CONV_H
#define FF_CAUSAL_CONV_H

#include "mamba.h"

namespace ff {
namespace mamba {

template <class C, class TX, class TSI, class TY, class TSO, class Q, class S, class B>
void conv1d(const TX x[C::C], const TSI state_in[C::C * (C::K - 1)], TY y[C::C],
            TSO state_out[C::C * (C::K - 1)], const Q q[C::C * C::K], const S w_shift[C::C],
            const B bias[C::C]) {
    const int LANES = C::LANES;
    typedef typename acc<C::ACC_BITS>::t acc_t;
    code_t xq[C::C];
#pragma HLS ARRAY_PARTITION variable = xq cyclic factor = LANES
copy:
    for (int c = 0; c < C::C; c++) {
#pragma HLS PIPELINE II = 1
#pragma HLS UNROLL factor = LANES
        xq[c] = code_t(x[c]);
    }
    quantize_activation<C::C, C::ACT_BITS, C::ACT_GROUP, C::ACT_SHIFT, C::LANES>(xq);
    ap_int<C::X_BITS> xn[C::C];
#pragma HLS ARRAY_PARTITION variable = xn cyclic factor = LANES
narrow:
    for (int c = 0; c < C::C; c++) {
#pragma HLS PIPELINE II = 1
#pragma HLS UNROLL factor = LANES
        xn[c] = xq[c];
    }
channels:
    for (int c = 0; c < C::C; c++) {
#pragma HLS PIPELINE II = 1
#pragma HLS UNROLL factor = LANES
        ap_int<C::X_BITS> window[C::K];
#pragma HLS ARRAY_PARTITION variable = window complete
    gather:
        for (int k = 0; k < C::K - 1; k++) window[k] = code_t(state_in[c * (C::K - 1) + k]);
        window[C::K - 1] = xn[c];
        acc_t sum = 0;
    taps:
        for (int k = 0; k < C::K; k++) sum += window[k] * q[c * C::K + k];
        y[c] = shift_round(code_t(sum), C::FRAC_IN + int(w_shift[c]) - C::FRAC_OUT) + code_t(bias[c]);
    shift:
        for (int k = 0; k < C::K - 1; k++) state_out[c * (C::K - 1) + k] = code_t(window[k + 1]);
    }
}

}  // namespace mamba
}  // namespace ff

#endif
