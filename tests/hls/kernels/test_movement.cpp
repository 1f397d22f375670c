// Unit test of movement.h: gather 12 codes by an index table into 10 (with pads, PAD = 7), cat2 of 3 + 4.
// stdin: x[12], idx[10], a[3], b[4]; stdout: 10 gathered, 7 concatenated; then fork2 copies (2*12).
#include <cstdio>
#include "movement.h"

struct G { typedef ap_int<8> in_t; typedef ap_int<8> out_t; static const int N_IN = 12, N_OUT = 10, PAD = 7; };
struct K { typedef ap_int<8> a_t; typedef ap_uint<4> b_t; typedef ap_int<9> out_t; static const int NA = 3, NB = 4; };

int main() {
    int x[12], idx[10], a[3], b[4];
    for (int i = 0; i < 12; i++) std::scanf("%d", &x[i]);
    for (int i = 0; i < 10; i++) std::scanf("%d", &idx[i]);
    for (int i = 0; i < 3; i++) std::scanf("%d", &a[i]);
    for (int i = 0; i < 4; i++) std::scanf("%d", &b[i]);
    hls::stream<ap_int<8> > in, out;
    for (int i = 0; i < 12; i++) in.write(x[i]);
    ff::gather<G>(in, out, idx);
    for (int i = 0; i < 10; i++) std::printf("%d\n", out.read().to_int());
    hls::stream<ap_int<8> > sa; hls::stream<ap_uint<4> > sb; hls::stream<ap_int<9> > so;
    for (int i = 0; i < 3; i++) sa.write(a[i]);
    for (int i = 0; i < 4; i++) sb.write(b[i]);
    ff::cat2<K>(sa, sb, so);
    for (int i = 0; i < 7; i++) std::printf("%d\n", so.read().to_int());
    hls::stream<ap_int<8> > f, f0, f1;
    for (int i = 0; i < 12; i++) f.write(x[i]);
    ff::fork2<ap_int<8>, 12>(f, f0, f1);
    for (int i = 0; i < 12; i++) std::printf("%d\n", f0.read().to_int());
    for (int i = 0; i < 12; i++) std::printf("%d\n", f1.read().to_int());
    return 0;
}
