// Unit test of layernorm.h: 6 rows of 16 codes, a 1024-entry rsqrt table (RFRAC 16),
// NFRAC 10. stdin: EPS is compiled in; table[1024], gamma[16], beta[16], x[6*16];
// stdout: 96 output codes.
#include <cstdio>
#include "layernorm.h"

struct Ln {
    typedef ap_int<8> in_t;
    typedef ap_int<40> out_t;
    typedef ap_int<48> wide_t;
    static const int N = 16, ROWS = 6, SIZE = 1024, EPS = 37, RFRAC = 16, NFRAC = 10;
};

int main() {
    static int t[1024];
    int g[16], b[16], x[96];
    for (int i = 0; i < 1024; i++) std::scanf("%d", &t[i]);
    for (int i = 0; i < 16; i++) std::scanf("%d", &g[i]);
    for (int i = 0; i < 16; i++) std::scanf("%d", &b[i]);
    for (int i = 0; i < 96; i++) std::scanf("%d", &x[i]);
    static ap_uint<17> table[1024];
    ap_int<16> gamma[16];
    ap_int<30> beta[16];
    for (int i = 0; i < 1024; i++) table[i] = t[i];
    for (int i = 0; i < 16; i++) { gamma[i] = g[i]; beta[i] = b[i]; }
    hls::stream<ap_int<8> > in;
    hls::stream<ap_int<40> > out;
    for (int i = 0; i < 96; i++) in.write(x[i]);
    ff::layernorm<Ln>(in, out, table, gamma, beta);
    for (int i = 0; i < 96; i++) std::printf("%lld\n", (long long)out.read().to_int64());
    return 0;
}
