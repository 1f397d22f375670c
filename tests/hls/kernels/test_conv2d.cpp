// Unit test of conv2d.h (line buffer): C=4, H=5, W=6, M=4, 3x3, stride 2x1, pads (1,0,1,2), dilation (1,2), group 2.
// stdin: x in HWC order (5*6*4), w[4][2][3][3], b[4]; stdout: y in HWC order.
#include <cstdio>
#include "conv2d.h"

struct Cfg {
    typedef ap_int<6> in_t;
    typedef ap_int<5> weight_t;
    typedef ap_int<18> bias_t;
    typedef ap_int<18> acc_t;
    static const int C = 4, H = 5, W = 6, PT = 1, PL = 0, KH = 3, KW = 3, DH = 1, DW = 2, SH = 2, SW = 1;
    static const int EKH = 3, EKW = 5, OH = 3, OW = 4, HP = 7, WP = 8;
    static const int M = 4, CPG = 2, MPG = 2, PE = 2, SIMD = 3;
};

int main() {
    int x[120], w[72], b[4];
    for (int i = 0; i < 120; i++) std::scanf("%d", &x[i]);
    for (int i = 0; i < 72; i++) std::scanf("%d", &w[i]);
    for (int i = 0; i < 4; i++) std::scanf("%d", &b[i]);
    for (int rep = 0; rep < 2; rep++) {
        hls::stream<ap_int<6> > in;
        hls::stream<ap_int<18> > out;
        for (int i = 0; i < 120; i++) in.write(x[i]);
        ff::conv2d<Cfg>(in, out, w, b);
        for (int i = 0; i < Cfg::OH * Cfg::OW * Cfg::M; i++) {
            int v = out.read().to_int();
            if (rep == 1) std::printf("%d\n", v);  // run twice: the static line buffer must not leak
        }
    }
    return 0;
}
