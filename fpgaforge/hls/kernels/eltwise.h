// Element-wise kernels on codes of one common lsb (the quantizer aligns operands first).
//
// binary<Cfg, Op>: Add / Sub / Mul / Max / Min of two streams of N codes into out_t
// (wide enough: the quantizer's add_type / mul_type). affine<Cfg>: x * scale[c] + bias[c]
// (unfolded BatchNorm) with channel c = (i / INNER) % CH.
#ifndef FF_ELTWISE_H
#define FF_ELTWISE_H

#include "ff_common.h"

namespace ff {

enum BinaryOp { ADD = 0, SUB = 1, MUL = 2, MAX = 3, MIN = 4 };

template <class Cfg>
void binary(hls::stream<typename Cfg::a_t>& a, hls::stream<typename Cfg::b_t>& b,
            hls::stream<typename Cfg::out_t>& out) {
    for (int i = 0; i < Cfg::N; i++) {
#pragma HLS PIPELINE II = 1
        typename Cfg::out_t x = a.read();
        typename Cfg::out_t y = b.read();
        typename Cfg::out_t r;
        switch (Cfg::OP) {
            case ADD: r = x + y; break;
            case SUB: r = x - y; break;
            case MUL: r = x * y; break;
            case MAX: r = x > y ? x : y; break;
            default: r = x < y ? x : y; break;
        }
        out.write(r);
    }
}

template <class Cfg, class ST, class BT>
void affine(hls::stream<typename Cfg::in_t>& in, hls::stream<typename Cfg::out_t>& out,
            const ST scale[Cfg::CH], const BT bias[Cfg::CH]) {
    for (int i = 0; i < Cfg::N; i++) {
#pragma HLS PIPELINE II = 1
        int c = (i / Cfg::INNER) % Cfg::CH;
        typename Cfg::out_t r = typename Cfg::out_t(in.read()) * typename Cfg::out_t(typename Cfg::scale_t(scale[c]));
        out.write(r + typename Cfg::out_t(typename Cfg::bias_t(bias[c])));
    }
}

}  // namespace ff

#endif
