// Unit test of the table kernels: softmax.h with a bucketing shift, lrn.h, pool.h avg_pool2d.
// stdin: softmax table[32], x[4*10]; lrn table[64], x HWC[2*2*6]; recip[10], pool x HWC[3*5*5].
// stdout: 40 softmax codes, 24 lrn codes, 27 pooled codes.
#include <cstdio>
#include "lrn.h"
#include "pool.h"
#include "softmax.h"

struct S {
    typedef ap_int<8> in_t; typedef ap_uint<21> out_t; typedef ap_uint<17> exp_t; typedef ap_uint<21> sum_t;
    static const int N = 10, ROWS = 4, SIZE = 32, SHIFT = 3, OUT_FRAC = 20;
};
struct L {
    typedef ap_int<8> in_t; typedef ap_int<25> out_t; typedef ap_uint<20> q_t; typedef ap_uint<16> f_t;
    static const int C = 6, PIXELS = 4, WIN = 3, BEFORE = 1, SIZE = 64, SHIFT = 10;
};
struct P {
    typedef ap_int<6> in_t; typedef ap_int<10> sum_t; typedef ap_int<26> out_t;
    static const int C = 3, H = 5, W = 5, PT = 1, PL = 1, KH = 3, KW = 3, DH = 1, DW = 1, SH = 2, SW = 2;
    static const int EKH = 3, EKW = 3, OH = 3, OW = 3, HP = 7, WP = 7;
};

static int read() { int v; std::scanf("%d", &v); return v; }

int main() {
    {
        ap_uint<17> table[32];
        for (int i = 0; i < 32; i++) table[i] = read();
        hls::stream<ap_int<8> > in; hls::stream<ap_uint<21> > out;
        for (int i = 0; i < 40; i++) in.write(read());
        ff::softmax<S>(in, out, table);
        for (int i = 0; i < 40; i++) std::printf("%d\n", out.read().to_int());
    }
    {
        ap_uint<16> table[64];
        for (int i = 0; i < 64; i++) table[i] = read();
        hls::stream<ap_int<8> > in; hls::stream<ap_int<25> > out;
        for (int i = 0; i < 24; i++) in.write(read());
        ff::lrn<L>(in, out, table);
        for (int i = 0; i < 24; i++) std::printf("%d\n", out.read().to_int());
    }
    {
        ap_uint<16> recip[10];
        for (int i = 0; i < 10; i++) recip[i] = read();
        hls::stream<ap_int<6> > in; hls::stream<ap_int<26> > out;
        for (int i = 0; i < 75; i++) in.write(read());
        ff::avg_pool2d<P>(in, out, recip);
        for (int i = 0; i < 27; i++) std::printf("%d\n", out.read().to_int());
    }
    return 0;
}
