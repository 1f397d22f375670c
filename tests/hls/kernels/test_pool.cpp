// Unit test of pool.h: max and sum pooling (C=3, H=5, W=5, 3x3, stride 2, pads 1) and global max/sum.
// stdin: x HWC (75); stdout: max (3*3*3), sum (27), global max (3), global sum (3).
#include <cstdio>
#include "pool.h"

template <int MAXP>
struct Cfg {
    typedef ap_int<6> in_t;
    typedef ap_int<10> out_t;
    static const int C = 3, H = 5, W = 5, PT = 1, PL = 1, KH = 3, KW = 3, DH = 1, DW = 1, SH = 2, SW = 2;
    static const int EKH = 3, EKW = 3, OH = 3, OW = 3, HP = 7, WP = 7, IS_MAX = MAXP;
};
template <int MAXP>
struct G {
    typedef ap_int<6> in_t;
    typedef ap_int<11> out_t;
    static const int C = 3, PIXELS = 25, IS_MAX = MAXP;
};

int main() {
    int x[75];
    for (int i = 0; i < 75; i++) std::scanf("%d", &x[i]);
    {
        hls::stream<ap_int<6> > in; hls::stream<ap_int<10> > out;
        for (int i = 0; i < 75; i++) in.write(x[i]);
        ff::pool2d<Cfg<1> >(in, out);
        for (int i = 0; i < 27; i++) std::printf("%d\n", out.read().to_int());
    }
    {
        hls::stream<ap_int<6> > in; hls::stream<ap_int<10> > out;
        for (int i = 0; i < 75; i++) in.write(x[i]);
        ff::pool2d<Cfg<0> >(in, out);
        for (int i = 0; i < 27; i++) std::printf("%d\n", out.read().to_int());
    }
    for (int mx = 1; mx >= 0; mx--) {
        hls::stream<ap_int<6> > in; hls::stream<ap_int<11> > out;
        for (int i = 0; i < 75; i++) in.write(x[i]);
        if (mx) ff::global_pool<G<1> >(in, out); else ff::global_pool<G<0> >(in, out);
        for (int i = 0; i < 3; i++) std::printf("%d\n", out.read().to_int());
    }
    return 0;
}
