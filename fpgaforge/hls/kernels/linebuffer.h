// Line buffer shared by the sliding-window kernels (conv2d, depthwise, pool).
//
// The input arrives as a channel-last pixel stream (row by row, C codes per pixel).
// The buffer keeps the last EKH rows of the padded input (EKH = dilated kernel
// height); after each pixel it reports whether a window ends there and where the
// window starts. Padding pixels are never read from the stream: the buffer stores
// code 0 for them and `inside()` tells the kernels which taps are real.
// Config: in_t; C, H, W (input), PT, PL (top/left pads), HP, WP (padded size, bottom/
// right padding included), EKH, EKW (dilated kernel extent), SH, SW, OH, OW.
#ifndef FF_LINEBUFFER_H
#define FF_LINEBUFFER_H

#include "ff_common.h"

namespace ff {

template <class Cfg>
struct LineBuffer {
    typename Cfg::in_t rows[Cfg::EKH][Cfg::WP][Cfg::C];

    // Read (or pad) the pixel at padded coordinates (r, c).
    void push(hls::stream<typename Cfg::in_t>& in, int r, int c) {
#pragma HLS INLINE
        bool real = inside(r, c);
        for (int ch = 0; ch < Cfg::C; ch++) {
#pragma HLS PIPELINE II = 1
            rows[r % Cfg::EKH][c][ch] = real ? in.read() : typename Cfg::in_t(0);
        }
    }

    // Whether padded coordinates (r, c) hold a real input pixel.
    static bool inside(int r, int c) {
#pragma HLS INLINE
        return r >= Cfg::PT && r < Cfg::PT + Cfg::H && c >= Cfg::PL && c < Cfg::PL + Cfg::W;
    }

    // Whether a window whose bottom-right tap is (r, c) produces an output.
    static bool window_ends(int r, int c, int& top, int& left) {
#pragma HLS INLINE
        top = r - Cfg::EKH + 1;
        left = c - Cfg::EKW + 1;
        return top >= 0 && left >= 0 && top % Cfg::SH == 0 && left % Cfg::SW == 0 && top / Cfg::SH < Cfg::OH &&
               left / Cfg::SW < Cfg::OW;
    }

    typename Cfg::in_t at(int r, int c, int ch) const {
#pragma HLS INLINE
        return rows[r % Cfg::EKH][c][ch];
    }
};

}  // namespace ff

#endif
