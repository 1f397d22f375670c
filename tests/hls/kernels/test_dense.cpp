// Unit test of dense.h (folded PE=2, SIMD=3 and fully parallel). stdin: x[2*6], w[4*6], b[4]; stdout: y for both.
#include <cstdio>
#include "dense.h"

template <int P, int S>
struct Cfg {
    typedef ap_int<8> in_t;
    typedef ap_int<6> weight_t;
    typedef ap_int<20> bias_t;
    typedef ap_int<20> acc_t;
    static const int N_IN = 6, N_OUT = 4, ROWS = 2, PE = P, SIMD = S;
};

int main() {
    int x[12], w[24], b[4];
    for (int i = 0; i < 12; i++) std::scanf("%d", &x[i]);
    for (int i = 0; i < 24; i++) std::scanf("%d", &w[i]);
    for (int i = 0; i < 4; i++) std::scanf("%d", &b[i]);
    for (int pass = 0; pass < 2; pass++) {
        hls::stream<ap_int<8> > in;
        hls::stream<ap_int<20> > out;
        for (int i = 0; i < 12; i++) in.write(x[i]);
        if (pass == 0) ff::dense<Cfg<2, 3> >(in, out, w, b);
        else ff::dense<Cfg<4, 6> >(in, out, w, b);
        for (int i = 0; i < 8; i++) std::printf("%d\n", out.read().to_int());
    }
    return 0;
}
