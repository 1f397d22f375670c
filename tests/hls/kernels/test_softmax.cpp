// Unit test of softmax.h: rows of 5 codes, exp table of 64 entries (EXP_FRAC 12), OUT_FRAC 8.
// stdin: table[64], then x[3*5]; stdout: 15 output codes.
#include <cstdio>
#include "softmax.h"

struct S {
    typedef ap_int<8> in_t; typedef ap_uint<9> out_t; typedef ap_uint<13> exp_t; typedef ap_uint<32> sum_t;
    static const int N = 5, ROWS = 3, SIZE = 64, SHIFT = 0, OUT_FRAC = 8;
};

int main() {
    int t[64], x[15];
    for (int i = 0; i < 64; i++) std::scanf("%d", &t[i]);
    for (int i = 0; i < 15; i++) std::scanf("%d", &x[i]);
    ap_uint<13> table[64];
    for (int i = 0; i < 64; i++) table[i] = t[i];
    hls::stream<ap_int<8> > in; hls::stream<ap_uint<9> > out;
    for (int i = 0; i < 15; i++) in.write(x[i]);
    ff::softmax<S>(in, out, table);
    for (int i = 0; i < 15; i++) std::printf("%d\n", out.read().to_int());
    return 0;
}
