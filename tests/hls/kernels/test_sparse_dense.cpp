// Unit test of sparse_dense.h at 2:4 on a 4 x 8 matrix (PE=2, SIMD=4 and fully parallel).
// stdin: x[2*8], values[4*4], indices[4*4], b[4]; stdout: y for both foldings.
#include <cstdio>
#include "sparse_dense.h"

template <int P, int S>
struct Cfg {
    typedef ap_int<8> in_t;
    typedef ap_int<8> weight_t;
    typedef ap_int<24> bias_t;
    typedef ap_int<24> acc_t;
    static const int N_IN = 8, N_OUT = 4, ROWS = 2, PE = P, SIMD = S, N = 2, M = 4;
};

int main() {
    int x[16], v[16], idx[16], b[4];
    for (int i = 0; i < 16; i++) std::scanf("%d", &x[i]);
    for (int i = 0; i < 16; i++) std::scanf("%d", &v[i]);
    for (int i = 0; i < 16; i++) std::scanf("%d", &idx[i]);
    for (int i = 0; i < 4; i++) std::scanf("%d", &b[i]);
    for (int pass = 0; pass < 2; pass++) {
        hls::stream<ap_int<8> > in;
        hls::stream<ap_int<24> > out;
        for (int i = 0; i < 16; i++) in.write(x[i]);
        if (pass == 0) ff::sparse_dense<Cfg<2, 4> >(in, out, v, idx, b);
        else ff::sparse_dense<Cfg<4, 8> >(in, out, v, idx, b);
        for (int i = 0; i < 8; i++) std::printf("%d\n", out.read().to_int());
    }
    return 0;
}
