// Unit test of eltwise.h: add/sub/mul/max/min of 16 codes and a per-channel affine (CH=4, INNER=2).
// stdin: a[16], b[16], scale[4], bias[4]; stdout: 5*16 binary results then 16 affine results.
#include <cstdio>
#include "eltwise.h"

template <int OPC>
struct B {
    typedef ap_int<7> a_t;
    typedef ap_uint<6> b_t;
    typedef ap_int<14> out_t;
    static const int N = 16, OP = OPC;
};
struct A {
    typedef ap_int<7> in_t;
    typedef ap_int<5> scale_t;
    typedef ap_int<12> bias_t;
    typedef ap_int<14> out_t;
    static const int N = 16, CH = 4, INNER = 2;
};

template <int OPC>
void run(const int* a, const int* b) {
    hls::stream<ap_int<7> > x; hls::stream<ap_uint<6> > y; hls::stream<ap_int<14> > z;
    for (int i = 0; i < 16; i++) { x.write(a[i]); y.write(b[i]); }
    ff::binary<B<OPC> >(x, y, z);
    for (int i = 0; i < 16; i++) std::printf("%d\n", z.read().to_int());
}

int main() {
    int a[16], b[16], s[4], c[4];
    for (int i = 0; i < 16; i++) std::scanf("%d", &a[i]);
    for (int i = 0; i < 16; i++) std::scanf("%d", &b[i]);
    for (int i = 0; i < 4; i++) std::scanf("%d", &s[i]);
    for (int i = 0; i < 4; i++) std::scanf("%d", &c[i]);
    run<0>(a, b); run<1>(a, b); run<2>(a, b); run<3>(a, b); run<4>(a, b);
    hls::stream<ap_int<7> > x; hls::stream<ap_int<14> > z;
    for (int i = 0; i < 16; i++) x.write(a[i]);
    ff::affine<A>(x, z, s, c);
    for (int i = 0; i < 16; i++) std::printf("%d\n", z.read().to_int());
    return 0;
}
