// Pooling on channel-last streams: max / sum windows (pool2d) and global max / sum.
//
// Max pooling keeps codes and ignores padding taps (ONNX); average pooling emits the
// window *sums* of codes (padding taps add 0) and the Requant that follows divides
// by the tap count, as the quantized graph computes. Config: LineBuffer fields plus
// out_t, KH, KW, DH, DW, IS_MAX. Global: in_t, out_t, C, PIXELS, IS_MAX.
// avg_pool2d (padding excluded from the divisor): the window sum (sum_t) times
// recip[taps inside the input] (Python fills recip[k] = round(2**F / k)); out_t holds it.
#ifndef FF_POOL_H
#define FF_POOL_H

#include "linebuffer.h"

namespace ff {

template <class Cfg>
void pool2d(hls::stream<typename Cfg::in_t>& in, hls::stream<typename Cfg::out_t>& out) {
    static LineBuffer<Cfg> lb;
    for (int r = 0; r < Cfg::HP; r++) {
        for (int c = 0; c < Cfg::WP; c++) {
            lb.push(in, r, c);
            int top, left;
            if (!LineBuffer<Cfg>::window_ends(r, c, top, left)) continue;
        channels:
            for (int ch = 0; ch < Cfg::C; ch++) {
#pragma HLS PIPELINE II = 1
                typename Cfg::out_t acc = 0;
                bool first = true;
                for (int kh = 0; kh < Cfg::KH; kh++) {
                    for (int kw = 0; kw < Cfg::KW; kw++) {
                        int rr = top + kh * Cfg::DH, cc = left + kw * Cfg::DW;
                        typename Cfg::out_t v = lb.at(rr, cc, ch);
                        if (Cfg::IS_MAX) {
                            if (LineBuffer<Cfg>::inside(rr, cc) && (first || v > acc)) {
                                acc = v;
                                first = false;
                            }
                        } else {
                            acc += v;
                        }
                    }
                }
                out.write(acc);
            }
        }
    }
}

template <class Cfg, class RT>
void avg_pool2d(hls::stream<typename Cfg::in_t>& in, hls::stream<typename Cfg::out_t>& out,
                const RT recip[Cfg::KH * Cfg::KW + 1]) {
    static LineBuffer<Cfg> lb;
    for (int r = 0; r < Cfg::HP; r++) {
        for (int c = 0; c < Cfg::WP; c++) {
            lb.push(in, r, c);
            int top, left;
            if (!LineBuffer<Cfg>::window_ends(r, c, top, left)) continue;
        channels:
            for (int ch = 0; ch < Cfg::C; ch++) {
#pragma HLS PIPELINE II = 1
                typename Cfg::sum_t acc = 0;
                int taps = 0;
                for (int kh = 0; kh < Cfg::KH; kh++) {
                    for (int kw = 0; kw < Cfg::KW; kw++) {
                        int rr = top + kh * Cfg::DH, cc = left + kw * Cfg::DW;
                        acc += lb.at(rr, cc, ch);
                        if (LineBuffer<Cfg>::inside(rr, cc)) taps++;
                    }
                }
                out.write(typename Cfg::out_t(acc) * typename Cfg::out_t(recip[taps]));
            }
        }
    }
}

template <class Cfg>
void global_pool(hls::stream<typename Cfg::in_t>& in, hls::stream<typename Cfg::out_t>& out) {
    typename Cfg::out_t acc[Cfg::C];
pixels:
    for (int i = 0; i < Cfg::PIXELS; i++) {
        for (int ch = 0; ch < Cfg::C; ch++) {
#pragma HLS PIPELINE II = 1
            typename Cfg::out_t v = in.read();
            if (i == 0) acc[ch] = v;
            else if (Cfg::IS_MAX) acc[ch] = v > acc[ch] ? v : acc[ch];
            else acc[ch] += v;
        }
    }
    for (int ch = 0; ch < Cfg::C; ch++) {
#pragma HLS PIPELINE II = 1
        out.write(acc[ch]);
    }
}

}  // namespace ff

#endif
