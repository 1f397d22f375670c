// Dense (matrix-vector) kernel: y[n] = bias[n] + sum_k x[k] * w[n][k] on integer codes.
//
// Folded with PE output neurons and SIMD inputs per cycle (FINN's MVAU folding):
// PE == N_OUT and SIMD == N_IN is fully parallel; PE == SIMD == 1 reuses one MAC.
// Config: in_t, weight_t, bias_t, acc_t; N_IN, N_OUT, ROWS (vectors per frame,
// e.g. the leading dims of x[..., K]); PE (divides N_OUT), SIMD (divides N_IN).
// Weights are row-major [N_OUT][N_IN] (ONNX Gemm's transB layout); the accumulator
// type is wide enough that the sum cannot overflow. Tables may be stored in any integer
// type holding the codes (WT, BT); reads convert to weight_t / bias_t.
#ifndef FF_DENSE_H
#define FF_DENSE_H

#include "ff_common.h"

namespace ff {

template <class Cfg, class WT, class BT>
void dense(hls::stream<typename Cfg::in_t>& in, hls::stream<typename Cfg::acc_t>& out,
           const WT w[Cfg::N_OUT * Cfg::N_IN], const BT b[Cfg::N_OUT]) {
    const int NF = Cfg::N_OUT / Cfg::PE;
    const int SF = Cfg::N_IN / Cfg::SIMD;
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
                    for (int s = 0; s < Cfg::SIMD; s++) {
#pragma HLS UNROLL
                        int k = sf * Cfg::SIMD + s;
                        acc[p] += x[k] * typename Cfg::weight_t(w[(nf * Cfg::PE + p) * Cfg::N_IN + k]);
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
