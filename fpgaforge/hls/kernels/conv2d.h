// Streaming 2-D convolution with a line buffer and sliding window (channel-last streams).
//
// y[oh][ow][m] = bias[m] + sum_{ci,kh,kw} x[oh*SH+kh*DH-PT][ow*SW+kw*DW-PL][g*CPG+ci] * w[m][ci][kh][kw]
// on integer codes, with zero codes for padding. Groups are supported (g = m / MPG).
// Config: LineBuffer fields (see linebuffer.h) plus weight_t, bias_t, acc_t; M (output
// channels), CPG (input channels per group), MPG (output channels per group), KH, KW,
// DH, DW; PE output channels and SIMD window taps computed per cycle (PE divides M).
// Weights are ONNX-ordered [M][CPG][KH][KW].
#ifndef FF_CONV2D_H
#define FF_CONV2D_H

#include "linebuffer.h"

namespace ff {

template <class Cfg, class WT, class BT>
void conv2d(hls::stream<typename Cfg::in_t>& in, hls::stream<typename Cfg::acc_t>& out,
            const WT w[Cfg::M * Cfg::CPG * Cfg::KH * Cfg::KW], const BT b[Cfg::M]) {
    static LineBuffer<Cfg> lb;
    const int TAPS = Cfg::CPG * Cfg::KH * Cfg::KW;
padded_rows:
    for (int r = 0; r < Cfg::HP; r++) {
    padded_cols:
        for (int c = 0; c < Cfg::WP; c++) {
            lb.push(in, r, c);
            int top, left;
            if (!LineBuffer<Cfg>::window_ends(r, c, top, left)) continue;
        out_channels:
            for (int mf = 0; mf < Cfg::M / Cfg::PE; mf++) {
                typename Cfg::acc_t acc[Cfg::PE];
#pragma HLS ARRAY_PARTITION variable = acc complete
                for (int p = 0; p < Cfg::PE; p++) {
#pragma HLS UNROLL
                    acc[p] = typename Cfg::bias_t(b[mf * Cfg::PE + p]);
                }
            taps:
                for (int t = 0; t < TAPS; t++) {
#pragma HLS PIPELINE II = 1
#pragma HLS UNROLL factor = Cfg::SIMD
                    int ci = t / (Cfg::KH * Cfg::KW), kh = (t / Cfg::KW) % Cfg::KH, kw = t % Cfg::KW;
                    for (int p = 0; p < Cfg::PE; p++) {
#pragma HLS UNROLL
                        int m = mf * Cfg::PE + p;
                        int g = m / Cfg::MPG;
                        acc[p] += lb.at(top + kh * Cfg::DH, left + kw * Cfg::DW, g * Cfg::CPG + ci) * typename Cfg::weight_t(w[m * TAPS + t]);
                    }
                }
                for (int p = 0; p < Cfg::PE; p++) {
#pragma HLS PIPELINE II = 1
                    out.write(acc[p]);
                }
            }
        }
    }
}

}  // namespace ff

#endif
