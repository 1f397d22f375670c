// MatMul of two activation streams (attention's Q·K^T and A·V; integer semantics of the
// MatMul op: exact products summed in acc_t, the output is the accumulator, a Requant
// follows).
//
// Per inference the kernel stores the NA codes of `a` and the NB codes of `b` in stream
// order (both streams read in one loop), then for each of the OUT output positions (in the output's stream order) sums
// K products a[A_BASE[j] + k*A_STEP] * b[B_BASE[j] + k*B_STEP]. Python computes the base
// tables from the stream layouts (fpgaforge.units.act_matmul.hls), so any batch of
// matrices (heads) and any operand layout with a constant reduction stride is covered.
// Config: a_t, b_t, acc_t, out_t, NA, NB, OUT, K, A_STEP, B_STEP.
#ifndef FF_ACT_MATMUL_H
#define FF_ACT_MATMUL_H

#include "ff_common.h"

namespace ff {

template <class Cfg, class IT>
void act_matmul(hls::stream<typename Cfg::a_t>& a, hls::stream<typename Cfg::b_t>& b,
                hls::stream<typename Cfg::out_t>& out, const IT a_base[Cfg::OUT],
                const IT b_base[Cfg::OUT]) {
    typename Cfg::a_t abuf[Cfg::NA];
    typename Cfg::b_t bbuf[Cfg::NB];
    const int n_load = Cfg::NA > Cfg::NB ? Cfg::NA : Cfg::NB;
    for (int i = 0; i < n_load; i++) {
#pragma HLS PIPELINE II = 1
        if (i < Cfg::NA) abuf[i] = a.read();
        if (i < Cfg::NB) bbuf[i] = b.read();
    }
    for (int j = 0; j < Cfg::OUT; j++) {
        typename Cfg::acc_t acc = 0;
        for (int k = 0; k < Cfg::K; k++) {
#pragma HLS PIPELINE II = 1
            acc += typename Cfg::acc_t(abuf[a_base[j] + k * Cfg::A_STEP]) *
                   typename Cfg::acc_t(bbuf[b_base[j] + k * Cfg::B_STEP]);
        }
        out.write(typename Cfg::out_t(acc));
    }
}

}  // namespace ff

#endif
