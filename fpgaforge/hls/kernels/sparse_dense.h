// N:M sparse dense kernel: y[n] = bias[n] + sum_k x[k] * w[n][k] on integer codes, where
// every group of M consecutive weights of a row holds at most N non-zeros.
//
// Weights are stored compressed (fpgaforge.numerics.nm.compress along the input axis):
// per row N_IN/M*N values and as many indices (the position of each value inside its
// group of M). Folded with PE output neurons and SIMD inputs per cycle, SIMD a multiple
// of M: each of the PE lanes has NZ = SIMD/M*N multipliers, multiplier j takes the
// activation its index selects inside group j/N of the SIMD window (an M:1 select).
// Config: in_t, weight_t, bias_t, acc_t; N_IN, N_OUT, ROWS, PE (divides N_OUT), SIMD
// (divides N_IN, multiple of M), N, M. Tables may be stored in any integer type holding
// the codes (VT values, IT indices, BT biases).
#ifndef FF_SPARSE_DENSE_H
#define FF_SPARSE_DENSE_H

#include "ff_common.h"

namespace ff {

template <class Cfg, class VT, class IT, class BT>
void sparse_dense(hls::stream<typename Cfg::in_t>& in, hls::stream<typename Cfg::acc_t>& out,
                  const VT v[Cfg::N_OUT * (Cfg::N_IN / Cfg::M * Cfg::N)],
                  const IT idx[Cfg::N_OUT * (Cfg::N_IN / Cfg::M * Cfg::N)],
                  const BT b[Cfg::N_OUT]) {
    const int NF = Cfg::N_OUT / Cfg::PE;
    const int SF = Cfg::N_IN / Cfg::SIMD;
    const int NZ = Cfg::SIMD / Cfg::M * Cfg::N;
    const int STORED = Cfg::N_IN / Cfg::M * Cfg::N;
rows:
    for (int row = 0; row < Cfg::ROWS; row++) {
        typename Cfg::in_t x[Cfg::N_IN];
#pragma HLS ARRAY_PARTITION variable = x cyclic factor = Cfg::SIMD
    read:
        for (int k = 0; k < Cfg::N_IN; k++) {
#pragma HLS PIPELINE II = 1
            x[k] = in.read();
        }
    neurons:
        for (int nf = 0; nf < NF; nf++) {
            typename Cfg::acc_t acc[Cfg::PE];
#pragma HLS ARRAY_PARTITION variable = acc complete
            for (int p = 0; p < Cfg::PE; p++) {
#pragma HLS UNROLL
                acc[p] = typename Cfg::bias_t(b[nf * Cfg::PE + p]);
            }
        synapses:
            for (int sf = 0; sf < SF; sf++) {
#pragma HLS PIPELINE II = 1
                for (int p = 0; p < Cfg::PE; p++) {
#pragma HLS UNROLL
                    for (int j = 0; j < NZ; j++) {
#pragma HLS UNROLL
                        int e = (nf * Cfg::PE + p) * STORED + sf * NZ + j;
                        int k = sf * Cfg::SIMD + (j / Cfg::N) * Cfg::M + int(idx[e]);
                        acc[p] += x[k] * typename Cfg::weight_t(v[e]);
                    }
                }
            }
            for (int p = 0; p < Cfg::PE; p++) {
#pragma HLS PIPELINE II = 1
                out.write(acc[p]);
            }
        }
    }
}

}  // namespace ff

#endif
