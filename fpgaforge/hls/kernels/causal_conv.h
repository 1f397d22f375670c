// Causal depthwise conv1d decode step with its window state (IntConv1d).
//
// conv1d<Cfg>(x, state_in, y, state_out, q, w_shift, bias): x [C] codes at FRAC_IN are
// quantized by the activation quantizer (ACT_BITS, ACT_GROUP, ACT_SHIFT: mamba.h
// quantize_activation) and join the state [C][K-1] (the last K-1 quantized inputs per
// channel, oldest first) as the window [C][K]; per channel c
//     y[c] = shift_round(sum_k window[c][k] * q[c][k], FRAC_IN + w_shift[c] - FRAC_OUT) + bias[c]
// and the new state is the window's last K-1 columns. Codes q [C][K] (row-major), the
// per-channel shift w_shift [C] and the bias codes bias [C] (at FRAC_OUT) are tables.
// Config: C, K, FRAC_IN, FRAC_OUT, ACT_BITS, ACT_GROUP, ACT_SHIFT.
#ifndef FF_CAUSAL_CONV_H
#define FF_CAUSAL_CONV_H

#include "mamba.h"

namespace ff {
namespace mamba {

template <class C, class Q, class S, class B>
void conv1d(const code_t x[C::C], const code_t state_in[C::C * (C::K - 1)], code_t y[C::C],
            code_t state_out[C::C * (C::K - 1)], const Q q[C::C * C::K], const S w_shift[C::C],
            const B bias[C::C]) {
    code_t xq[C::C];
copy:
    for (int c = 0; c < C::C; c++) {
#pragma HLS PIPELINE II = 1
        xq[c] = x[c];
    }
    quantize_activation<C::C, C::ACT_BITS, C::ACT_GROUP, C::ACT_SHIFT>(xq);
channels:
    for (int c = 0; c < C::C; c++) {
        code_t window[C::K];
    gather:
        for (int k = 0; k < C::K - 1; k++) window[k] = state_in[c * (C::K - 1) + k];
        window[C::K - 1] = xq[c];
        code_t acc = 0;
    taps:
        for (int k = 0; k < C::K; k++) {
#pragma HLS PIPELINE II = 1
            acc += window[k] * code_t(q[c * C::K + k]);
        }
        y[c] = shift_round(acc, C::FRAC_IN + int(w_shift[c]) - C::FRAC_OUT) + code_t(bias[c]);
    shift:
        for (int k = 0; k < C::K - 1; k++) state_out[c * (C::K - 1) + k] = window[k + 1];
    }
}

}  // namespace mamba
}  // namespace ff

#endif
