// Data movement: gather by an index table, and concatenation of streams.
//
// Reshape, Transpose, Slice, Pad, Gather, Split, nearest Resize and channel-last <->
// channel-first reordering are all `gather`: buffer one frame of N_IN codes, emit
// N_OUT codes out[j] = in[idx[j]] (idx[j] < 0: the pad code PAD). Python computes the
// index table by running the op's own integer semantics on positions.
// cat2 forwards all of `a`, then all of `b` (Concat = cat2 chain + gather).
#ifndef FF_MOVEMENT_H
#define FF_MOVEMENT_H

#include "ff_common.h"

namespace ff {

template <class Cfg>
void gather(hls::stream<typename Cfg::in_t>& in, hls::stream<typename Cfg::out_t>& out, const int idx[Cfg::N_OUT]) {
    typename Cfg::in_t frame[Cfg::N_IN];
read:
    for (int i = 0; i < Cfg::N_IN; i++) {
#pragma HLS PIPELINE II = 1
        frame[i] = in.read();
    }
write:
    for (int j = 0; j < Cfg::N_OUT; j++) {
#pragma HLS PIPELINE II = 1
        int k = idx[j];
        out.write(k < 0 ? typename Cfg::out_t(Cfg::PAD) : typename Cfg::out_t(frame[k]));
    }
}

template <class Cfg>
void cat2(hls::stream<typename Cfg::a_t>& a, hls::stream<typename Cfg::b_t>& b, hls::stream<typename Cfg::out_t>& out) {
    for (int i = 0; i < Cfg::NA; i++) {
#pragma HLS PIPELINE II = 1
        out.write(typename Cfg::out_t(a.read()));
    }
    for (int i = 0; i < Cfg::NB; i++) {
#pragma HLS PIPELINE II = 1
        out.write(typename Cfg::out_t(b.read()));
    }
}

}  // namespace ff

#endif
