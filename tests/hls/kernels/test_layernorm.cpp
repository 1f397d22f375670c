// Unit test of layernorm.h: rows of 8 codes, rsqrt table of 256 entries (VSHIFT 4), SHIFT 12.
// stdin: table[256], gamma[8], beta[8], x[2*8]; stdout: 16 output codes.
#include <cstdio>
#include "layernorm.h"

struct Ln {
    typedef ap_int<8> in_t; typedef ap_int<24> out_t; typedef ap_int<48> wide_t; typedef ap_uint<16> r_t;
    typedef ap_int<8> param_t;
    static const int N = 8, ROWS = 2, SIZE = 256, VSHIFT = 4, SHIFT = 12;
};

int main() {
    int t[256], g[8], b[8], x[16];
    for (int i = 0; i < 256; i++) std::scanf("%d", &t[i]);
    for (int i = 0; i < 8; i++) std::scanf("%d", &g[i]);
    for (int i = 0; i < 8; i++) std::scanf("%d", &b[i]);
    for (int i = 0; i < 16; i++) std::scanf("%d", &x[i]);
    ap_uint<16> table[256]; ap_int<8> gamma[8], beta[8];
    for (int i = 0; i < 256; i++) table[i] = t[i];
    for (int i = 0; i < 8; i++) { gamma[i] = g[i]; beta[i] = b[i]; }
    hls::stream<ap_int<8> > in; hls::stream<ap_int<24> > out;
    for (int i = 0; i < 16; i++) in.write(x[i]);
    ff::layernorm<Ln>(in, out, table, gamma, beta);
    for (int i = 0; i < 16; i++) std::printf("%d\n", out.read().to_int());
    return 0;
}
