// Streaming depthwise convolution (group == C, MULT output channels per input channel).
//
// y[oh][ow][c*MULT+j] = bias + sum_{kh,kw} x[..][..][c] * w[c*MULT+j][0][kh][kw]; one
// line buffer (linebuffer.h), PE output channels per cycle. Config as conv2d with
// MULT instead of CPG/MPG; M == C * MULT.
#ifndef FF_DEPTHWISE_H
#define FF_DEPTHWISE_H

#include "linebuffer.h"

namespace ff {

template <class Cfg, class WT, class BT>
void depthwise2d(hls::stream<typename Cfg::in_t>& in, hls::stream<typename Cfg::acc_t>& out,
                 const WT w[Cfg::M * Cfg::KH * Cfg::KW], const BT b[Cfg::M]) {
    static LineBuffer<Cfg> lb;
    for (int r = 0; r < Cfg::HP; r++) {
        for (int c = 0; c < Cfg::WP; c++) {
            lb.push(in, r, c);
            int top, left;
            if (!LineBuffer<Cfg>::window_ends(r, c, top, left)) continue;
        channels:
            for (int mf = 0; mf < Cfg::M / Cfg::PE; mf++) {
#pragma HLS PIPELINE II = 1
                for (int p = 0; p < Cfg::PE; p++) {
                    int m = mf * Cfg::PE + p;
                    typename Cfg::acc_t acc = typename Cfg::bias_t(b[m]);
                    for (int kh = 0; kh < Cfg::KH; kh++) {
                        for (int kw = 0; kw < Cfg::KW; kw++) {
                            acc += lb.at(top + kh * Cfg::DH, left + kw * Cfg::DW, m / Cfg::MULT) *
                                   typename Cfg::weight_t(w[(m * Cfg::KH + kh) * Cfg::KW + kw]);
                        }
                    }
                    out.write(acc);
                }
            }
        }
    }
}

}  // namespace ff

#endif
