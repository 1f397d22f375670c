// Unit test of act_matmul.h: a (1,2,3,4) times b (1,2,4,5), both rank-4 tensors streamed
// channel-last (the heads innermost). stdin: a_base[30], b_base[30], a[24], b[40] in stream
// order; stdout: the 30 outputs in stream order.
#include <cstdio>
#include "act_matmul.h"

struct Mm {
    typedef ap_int<8> a_t;
    typedef ap_uint<8> b_t;
    typedef ap_int<20> acc_t;
    typedef ap_int<20> out_t;
    static const int NA = 24, NB = 40, OUT = 30, K = 4, A_STEP = 2, B_STEP = 10;
};

int main() {
    int ab[30], bb[30], av[24], bv[40];
    for (int i = 0; i < 30; i++) std::scanf("%d", &ab[i]);
    for (int i = 0; i < 30; i++) std::scanf("%d", &bb[i]);
    for (int i = 0; i < 24; i++) std::scanf("%d", &av[i]);
    for (int i = 0; i < 40; i++) std::scanf("%d", &bv[i]);
    hls::stream<ap_int<8> > a;
    hls::stream<ap_uint<8> > b;
    hls::stream<ap_int<20> > out;
    for (int i = 0; i < 24; i++) a.write(av[i]);
    for (int i = 0; i < 40; i++) b.write(bv[i]);
    ff::act_matmul<Mm>(a, b, out, ab, bb);
    for (int i = 0; i < 30; i++) std::printf("%d\n", out.read().to_int());
    return 0;
}
