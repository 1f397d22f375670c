// N:M sparse 2-D convolution: the line buffer and window of conv2d.h with the N:M MAC of
// sparse_dense.h.
//
// y[oh][ow][m] = bias[m] + sum_{kh,kw,ci} x[oh*SH+kh*DH-PT][ow*SW+kw*DW-PL][ci] * w[m][ci][kh][kw]
// on integer codes, with zero codes for padding (one group). The reduction runs over the
// window's taps in (kh, kw, ci) order, channels fastest, the order the RTL window unit
// streams: every group of M consecutive taps is M input channels at one kernel position
// (M divides C), and holds at most N non-zero weights. Weights are stored compressed along
// that order (fpgaforge.numerics.nm.compress of the [M][KH][KW][C] weight along its
// flattened taps): per output channel TAPS/M*N values and as many indices (the position of
// each value inside its group). Folded with PE output channels and SIMD taps per cycle,
// SIMD a multiple of M: each lane has NZ = SIMD/M*N multipliers, multiplier j takes the tap
// its index selects inside group j/N of the SIMD window (an M:1 select).
// Config: LineBuffer fields (see linebuffer.h) plus weight_t, bias_t, acc_t; M (output
// channels), KH, KW, DH, DW; PE (divides M), SIMD (divides C*KH*KW, multiple of NM_M),
// NM_N, NM_M. Tables may be stored in any integer type holding the codes.
#ifndef FF_SPARSE_CONV2D_H
#define FF_SPARSE_CONV2D_H

#include "linebuffer.h"

namespace ff {

template <class Cfg, class VT, class IT, class BT>
void sparse_conv2d(hls::stream<typename Cfg::in_t>& in, hls::stream<typename Cfg::acc_t>& out,
                   const VT v[Cfg::M * (Cfg::C * Cfg::KH * Cfg::KW / Cfg::NM_M * Cfg::NM_N)],
                   const IT idx[Cfg::M * (Cfg::C * Cfg::KH * Cfg::KW / Cfg::NM_M * Cfg::NM_N)],
                   const BT b[Cfg::M]) {
    static LineBuffer<Cfg> lb;
    const int TAPS = Cfg::C * Cfg::KH * Cfg::KW;
    const int SF = TAPS / Cfg::SIMD;
    const int NZ = Cfg::SIMD / Cfg::NM_M * Cfg::NM_N;
    const int STORED = TAPS / Cfg::NM_M * Cfg::NM_N;
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
            folds:
                for (int sf = 0; sf < SF; sf++) {
#pragma HLS PIPELINE II = 1
                    for (int p = 0; p < Cfg::PE; p++) {
#pragma HLS UNROLL
                        for (int j = 0; j < NZ; j++) {
#pragma HLS UNROLL
                            int e = (mf * Cfg::PE + p) * STORED + sf * NZ + j;
                            int t = sf * Cfg::SIMD + (j / Cfg::NM_N) * Cfg::NM_M + int(idx[e]);
                            int kh = t / (Cfg::KW * Cfg::C), kw = (t / Cfg::C) % Cfg::KW;
                            int ci = t % Cfg::C;
                            acc[p] += lb.at(top + kh * Cfg::DH, left + kw * Cfg::DW, ci) *
                                      typename Cfg::weight_t(v[e]);
                        }
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
