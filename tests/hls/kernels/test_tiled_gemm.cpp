// Unit test of tiled_gemm.h: tiled_dense (K=6, N=5, ROWS=2, TILE=2) and tiled_conv (C=2, H=W=4, M=3,
// 3x3, stride 1, pads 1, TILE=2) with weights in a word memory. stdin: xd[12], wd[30], bd[5], xc[32] (HWC),
// wc[54], bc[3]; stdout: 10 dense outputs, 48 conv outputs (HWC).
#include <cstdio>
#include "tiled_gemm.h"

struct D {
    typedef ap_int<8> in_t; typedef ap_int<8> weight_t; typedef ap_int<20> bias_t; typedef ap_int<20> acc_t;
    static const int N_OUT = 5, K = 6, ROWS = 2, TILE = 2, W_OFFSET = 0, COLS_SIMD = 2;
};
struct Cv {
    typedef ap_int<8> in_t; typedef ap_int<8> weight_t; typedef ap_int<20> bias_t; typedef ap_int<20> acc_t;
    static const int C = 2, H = 4, W = 4, PT = 1, PL = 1, KH = 3, KW = 3, DH = 1, DW = 1, SH = 1, SW = 1;
    static const int OH = 4, OW = 4, M = 3, CPG = 2, MPG = 3, K = 18, TILE = 2, W_OFFSET = 30, COLS_SIMD = 2;
};

int main() {
    int xd[12], bd[5], xc[32], bc[3], mem[84];
    for (int i = 0; i < 12; i++) std::scanf("%d", &xd[i]);
    for (int i = 0; i < 30; i++) std::scanf("%d", &mem[i]);
    for (int i = 0; i < 5; i++) std::scanf("%d", &bd[i]);
    for (int i = 0; i < 32; i++) std::scanf("%d", &xc[i]);
    for (int i = 0; i < 54; i++) std::scanf("%d", &mem[30 + i]);
    for (int i = 0; i < 3; i++) std::scanf("%d", &bc[i]);
    hls::stream<ap_int<8> > in; hls::stream<ap_int<20> > out;
    for (int i = 0; i < 12; i++) in.write(xd[i]);
    ff::tiled_dense<D>(in, out, mem, bd);
    for (int i = 0; i < 10; i++) std::printf("%d\n", out.read().to_int());
    for (int i = 0; i < 32; i++) in.write(xc[i]);
    ff::tiled_conv<Cv>(in, out, mem, bc);
    for (int i = 0; i < 48; i++) std::printf("%d\n", out.read().to_int());
    return 0;
}
