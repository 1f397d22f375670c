// Unit test of activation.h: relu, clip [-5, 9] and a 16-entry table (OFFSET -64, SHIFT 3) on 32 codes.
// stdin: x[32], table[16]; stdout: 3 * 32 results.
#include <cstdio>
#include "activation.h"

struct R { typedef ap_int<7> in_t; typedef ap_int<7> out_t; static const int N = 32; };
struct C { typedef ap_int<7> in_t; typedef ap_int<7> out_t; static const int N = 32, LO = -5, HI = 9; };
struct L { typedef ap_int<7> in_t; typedef ap_int<8> out_t; typedef ap_int<12> index_t; static const int N = 32, OFFSET = -64, SHIFT = 3, SIZE = 16; };

int main() {
    int x[32], t[16];
    for (int i = 0; i < 32; i++) std::scanf("%d", &x[i]);
    for (int i = 0; i < 16; i++) std::scanf("%d", &t[i]);
    for (int k = 0; k < 3; k++) {
        hls::stream<ap_int<7> > in;
        for (int i = 0; i < 32; i++) in.write(x[i]);
        if (k < 2) {
            hls::stream<ap_int<7> > out;
            if (k == 0) ff::relu<R>(in, out); else ff::clip<C>(in, out);
            for (int i = 0; i < 32; i++) std::printf("%d\n", out.read().to_int());
        } else {
            hls::stream<ap_int<8> > out;
            ff::lut<L>(in, out, t);
            for (int i = 0; i < 32; i++) std::printf("%d\n", out.read().to_int());
        }
    }
    return 0;
}
