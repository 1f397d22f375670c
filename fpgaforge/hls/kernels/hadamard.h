// The mixed Hadamard transform (Hadamard on integer codes, unnormalized): y = x H_n^T with
// n = KB * P, H_n = H_KB (x) H_P (Kronecker), H_P the Sylvester matrix of a power of two P and
// H_KB a small +-1 base matrix (KB in 1, 12, 20, 28, 40; fpgaforge/numerics/hadamard.py).
//
// hadamard<Cfg>(x, y, base): a fast Walsh-Hadamard butterfly (log2 P stages of adds and
// subtracts) on each of the KB blocks of P codes, then per output block a the +-1 sum over
// the blocks c: y[a*P + b] = sum_c base[a][c] * t[c*P + b]. `base` [KB][KB] (row-major)
// holds +1/-1. Config: N (= KB * P), KB, P; LANES butterflies per cycle (the Hadamard lanes of
// the estimate) and T_BITS, the width of the transformed codes.
#ifndef FF_HADAMARD_H
#define FF_HADAMARD_H

#include "mamba.h"

namespace ff {
namespace mamba {

template <class C, class TX, class TY, class T>
void hadamard(const TX x[C::N], TY y[C::N], const T base[C::KB * C::KB]) {
    const int LANES = C::LANES;
    const int BANKS = 2 * C::LANES;
    typedef typename acc<C::T_BITS>::t t_t;
    t_t t[C::N];
#pragma HLS ARRAY_PARTITION variable = t cyclic factor = BANKS
copy:
    for (int i = 0; i < C::N; i++) {
#pragma HLS PIPELINE II = 1
#pragma HLS UNROLL factor = LANES
        t[i] = code_t(x[i]);
    }
blocks:
    for (int c = 0; c < C::KB; c++) {
    stages:
        for (int h = 1; h < C::P; h *= 2) {
        pairs:
            for (int i = 0; i < C::P / 2; i++) {
#pragma HLS PIPELINE II = 1
#pragma HLS UNROLL factor = LANES
                const int j = (i / h) * 2 * h + (i % h);
                const t_t a = t[c * C::P + j], b = t[c * C::P + j + h];
                t[c * C::P + j] = a + b;
                t[c * C::P + j + h] = a - b;
            }
        }
    }
rows:
    for (int a = 0; a < C::KB; a++) {
    cols:
        for (int b = 0; b < C::P; b++) {
#pragma HLS PIPELINE II = 1
#pragma HLS UNROLL factor = LANES
            t_t sum = 0;
        mix:
            for (int c = 0; c < C::KB; c++) {
                sum += base[a * C::KB + c] > 0 ? t[c * C::P + b] : t_t(-t[c * C::P + b]);
            }
            y[a * C::P + b] = code_t(sum);
        }
    }
}

}  // namespace mamba
}  // namespace ff

#endif
