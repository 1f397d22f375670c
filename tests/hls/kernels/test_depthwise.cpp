// Unit test of depthwise.h: C=3, MULT=2, H=W=5, 3x3, stride 1, pads 1, dilation 1.
// stdin: x HWC (75), w[6][1][3][3], b[6]; stdout: y HWC (5*5*6).
#include <cstdio>
#include "depthwise.h"

struct Cfg {
    typedef ap_uint<5> in_t;
    typedef ap_int<5> weight_t;
    typedef ap_int<16> bias_t;
    typedef ap_int<16> acc_t;
    static const int C = 3, H = 5, W = 5, PT = 1, PL = 1, KH = 3, KW = 3, DH = 1, DW = 1, SH = 1, SW = 1;
    static const int EKH = 3, EKW = 3, OH = 5, OW = 5, HP = 7, WP = 7, M = 6, MULT = 2, PE = 3;
};

int main() {
    int x[75], w[54], b[6];
    for (int i = 0; i < 75; i++) std::scanf("%d", &x[i]);
    for (int i = 0; i < 54; i++) std::scanf("%d", &w[i]);
    for (int i = 0; i < 6; i++) std::scanf("%d", &b[i]);
    hls::stream<ap_uint<5> > in;
    hls::stream<ap_int<16> > out;
    for (int i = 0; i < 75; i++) in.write(x[i]);
    ff::depthwise2d<Cfg>(in, out, w, b);
    for (int i = 0; i < 150; i++) std::printf("%d\n", out.read().to_int());
    return 0;
}
