// Tiled-mode GEMM engine: weights streamed from DDR/HBM over m_axi in bursts into
// double-buffered on-chip tiles (tile t+1 loads while tile t computes).
//
// tiled_dense<Cfg>: y[row][n] = bias[n] + sum_k x[row][k] * W[n][k]; tiles of TILE_N
// weight rows. tiled_conv<Cfg>: a channel-last frame is buffered on chip and every
// tile of TILE_M output channels sweeps all output pixels (weight-stationary), zero
// codes for padding, groups supported. Weights live in one word array in memory
// (`const int* wmem`, one code per 32-bit word) starting at W_OFFSET, row-major as
// in dense.h / conv2d.h. Config adds ROWS_PE x COLS_SIMD (the engine's array shape)
// used as unroll factors.
#ifndef FF_TILED_GEMM_H
#define FF_TILED_GEMM_H

#include "ff_common.h"

namespace ff {

// Burst-load `count` weight codes starting at word `base` into `buf`.
template <class Cfg>
void load_tile(const int* wmem, typename Cfg::weight_t buf[Cfg::TILE * Cfg::K], int base, int count) {
burst:
    for (int i = 0; i < Cfg::TILE * Cfg::K; i++) {
#pragma HLS PIPELINE II = 1
        if (i < count) buf[i] = typename Cfg::weight_t(wmem[Cfg::W_OFFSET + base + i]);
    }
}

template <class Cfg, class BT>
void tiled_dense(hls::stream<typename Cfg::in_t>& in, hls::stream<typename Cfg::acc_t>& out, const int* wmem,
                 const BT b[Cfg::N_OUT]) {
    typename Cfg::in_t x[Cfg::ROWS * Cfg::K];
    typename Cfg::acc_t y[Cfg::ROWS * Cfg::N_OUT];
    typename Cfg::weight_t buf[2][Cfg::TILE * Cfg::K];
#pragma HLS ARRAY_PARTITION variable = buf dim = 1 complete
    for (int i = 0; i < Cfg::ROWS * Cfg::K; i++) {
#pragma HLS PIPELINE II = 1
        x[i] = in.read();
    }
    const int TILES = (Cfg::N_OUT + Cfg::TILE - 1) / Cfg::TILE;
    load_tile<Cfg>(wmem, buf[0], 0, (Cfg::N_OUT < Cfg::TILE ? Cfg::N_OUT : Cfg::TILE) * Cfg::K);
tiles:
    for (int t = 0; t < TILES; t++) {
        if (t + 1 < TILES) {
            int n0 = (t + 1) * Cfg::TILE;
            int rows = Cfg::N_OUT - n0 < Cfg::TILE ? Cfg::N_OUT - n0 : Cfg::TILE;
            load_tile<Cfg>(wmem, buf[(t + 1) & 1], n0 * Cfg::K, rows * Cfg::K);
        }
        for (int row = 0; row < Cfg::ROWS; row++) {
            for (int j = 0; j < Cfg::TILE; j++) {
                int n = t * Cfg::TILE + j;
                if (n >= Cfg::N_OUT) break;
                typename Cfg::acc_t acc = typename Cfg::bias_t(b[n]);
            macs:
                for (int k = 0; k < Cfg::K; k++) {
#pragma HLS PIPELINE II = 1
#pragma HLS UNROLL factor = Cfg::COLS_SIMD
                    acc += x[row * Cfg::K + k] * buf[t & 1][j * Cfg::K + k];
                }
                y[row * Cfg::N_OUT + n] = acc;
            }
        }
    }
    for (int i = 0; i < Cfg::ROWS * Cfg::N_OUT; i++) {
#pragma HLS PIPELINE II = 1
        out.write(y[i]);
    }
}

template <class Cfg, class BT>
void tiled_conv(hls::stream<typename Cfg::in_t>& in, hls::stream<typename Cfg::acc_t>& out, const int* wmem,
                const BT b[Cfg::M]) {
    typename Cfg::in_t x[Cfg::H * Cfg::W * Cfg::C];
    typename Cfg::acc_t y[Cfg::OH * Cfg::OW * Cfg::M];
    typename Cfg::weight_t buf[2][Cfg::TILE * Cfg::K];  // K = CPG * KH * KW
#pragma HLS ARRAY_PARTITION variable = buf dim = 1 complete
    for (int i = 0; i < Cfg::H * Cfg::W * Cfg::C; i++) {
#pragma HLS PIPELINE II = 1
        x[i] = in.read();
    }
    const int TILES = (Cfg::M + Cfg::TILE - 1) / Cfg::TILE;
    load_tile<Cfg>(wmem, buf[0], 0, (Cfg::M < Cfg::TILE ? Cfg::M : Cfg::TILE) * Cfg::K);
tiles:
    for (int t = 0; t < TILES; t++) {
        if (t + 1 < TILES) {
            int m0 = (t + 1) * Cfg::TILE;
            int rows = Cfg::M - m0 < Cfg::TILE ? Cfg::M - m0 : Cfg::TILE;
            load_tile<Cfg>(wmem, buf[(t + 1) & 1], m0 * Cfg::K, rows * Cfg::K);
        }
    pixels:
        for (int p = 0; p < Cfg::OH * Cfg::OW; p++) {
            int oh = p / Cfg::OW, ow = p % Cfg::OW;
            for (int j = 0; j < Cfg::TILE; j++) {
                int m = t * Cfg::TILE + j;
                if (m >= Cfg::M) break;
                int g = m / Cfg::MPG;
                typename Cfg::acc_t acc = typename Cfg::bias_t(b[m]);
            macs:
                for (int k = 0; k < Cfg::K; k++) {
#pragma HLS PIPELINE II = 1
#pragma HLS UNROLL factor = Cfg::COLS_SIMD
                    int ci = k / (Cfg::KH * Cfg::KW), kh = (k / Cfg::KW) % Cfg::KH, kw = k % Cfg::KW;
                    int r = oh * Cfg::SH + kh * Cfg::DH - Cfg::PT, c = ow * Cfg::SW + kw * Cfg::DW - Cfg::PL;
                    if (r >= 0 && r < Cfg::H && c >= 0 && c < Cfg::W)
                        acc += x[(r * Cfg::W + c) * Cfg::C + g * Cfg::CPG + ci] * buf[t & 1][j * Cfg::K + k];
                }
                y[p * Cfg::M + m] = acc;
            }
        }
    }
    for (int i = 0; i < Cfg::OH * Cfg::OW * Cfg::M; i++) {
#pragma HLS PIPELINE II = 1
        out.write(y[i]);
    }
}

}  // namespace ff

#endif
