// Activations on codes: ReLU (exact), clip to code bounds, and table lookup.
//
// relu<Cfg>: max(x, 0). clip<Cfg>: min(max(x, LO), HI) with LO/HI the codes the
// quantizer stored. lut<Cfg>: y = table[clamp((x - OFFSET) >> SHIFT, 0, SIZE - 1)],
// exactly fpgaforge.quant.lut.LookupTable.lookup; Python computes the table contents.
// Config: in_t, out_t, N; clip: LO, HI; lut: index_t (wide signed), OFFSET, SHIFT, SIZE.
#ifndef FF_ACTIVATION_H
#define FF_ACTIVATION_H

#include "ff_common.h"

namespace ff {

template <class Cfg>
void relu(hls::stream<typename Cfg::in_t>& in, hls::stream<typename Cfg::out_t>& out) {
    for (int i = 0; i < Cfg::N; i++) {
#pragma HLS PIPELINE II = 1
        typename Cfg::in_t x = in.read();
        out.write(x > 0 ? typename Cfg::out_t(x) : typename Cfg::out_t(0));
    }
}

template <class Cfg>
void clip(hls::stream<typename Cfg::in_t>& in, hls::stream<typename Cfg::out_t>& out) {
    for (int i = 0; i < Cfg::N; i++) {
#pragma HLS PIPELINE II = 1
        typename Cfg::in_t x = in.read();
        typename Cfg::out_t y = x < Cfg::LO ? typename Cfg::out_t(Cfg::LO) : x > Cfg::HI ? typename Cfg::out_t(Cfg::HI) : typename Cfg::out_t(x);
        out.write(y);
    }
}

template <class Cfg, class TT>
void lut(hls::stream<typename Cfg::in_t>& in, hls::stream<typename Cfg::out_t>& out,
         const TT table[Cfg::SIZE]) {
    for (int i = 0; i < Cfg::N; i++) {
#pragma HLS PIPELINE II = 1
        typename Cfg::index_t idx = (typename Cfg::index_t(in.read()) - typename Cfg::index_t(Cfg::OFFSET)) >> Cfg::SHIFT;
        if (idx < 0) idx = 0;
        if (idx > Cfg::SIZE - 1) idx = Cfg::SIZE - 1;
        out.write(typename Cfg::out_t(table[idx.to_int()]));
    }
}

}  // namespace ff

#endif
