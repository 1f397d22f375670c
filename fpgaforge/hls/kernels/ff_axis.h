// AXI4-Stream ports with side channels for the streaming-mode top function.
//
// A PYNQ / Xilinx AXI DMA needs TLAST on the final beat of each transfer (and accepts
// TKEEP). Vitis HLS infers those side channels from `ap_axiu<W, U, TI, TD>` of
// <ap_axi_sdata.h>, which Vitis ships; the ap_types that the hls4ml package ships for
// g++ C-simulation do not include it, so a minimal layout-compatible struct stands in
// (same field names data / keep / strb / last; user, id, dest are zero-width and omitted).
// Port words are 32 bits: one integer code per word, sign- (or zero-) extended, TKEEP all
// ones, TLAST set on the last code of each inference (one DMA transfer per inference or
// per batch: the DMA stops on TLAST, so the host sends one frame per transfer, or the
// batch as one buffer and the kernel asserts TLAST per frame).
// Kernels: axis_in<T, N> (AXI4-Stream words -> code stream; TLAST/TKEEP are not needed to
// frame the input, the frame size is static) and axis_out<T, N> (codes -> words, TLAST on
// word N-1).
#ifndef FF_AXIS_H
#define FF_AXIS_H

#include "ff_common.h"

#if defined(__has_include)
#if __has_include(<ap_axi_sdata.h>)
#include <ap_axi_sdata.h>
#define FF_HAVE_AP_AXI_SDATA 1
#endif
#endif

namespace ff {

#ifdef FF_HAVE_AP_AXI_SDATA
typedef ap_axiu<32, 0, 0, 0> axis_word;
#else
struct axis_word {
    ap_uint<32> data;
    ap_uint<4> keep;
    ap_uint<4> strb;
    ap_uint<1> last;
};
#endif

template <class T, int N>
void axis_in(hls::stream<axis_word>& in, hls::stream<T>& out) {
    for (int i = 0; i < N; i++) {
#pragma HLS PIPELINE II = 1
        axis_word w = in.read();
        out.write(T(ap_int<32>(w.data)));
    }
}

template <class T, int N>
void axis_out(hls::stream<T>& in, hls::stream<axis_word>& out) {
    for (int i = 0; i < N; i++) {
#pragma HLS PIPELINE II = 1
        axis_word w;
        w.data = ap_uint<32>(ap_int<32>(in.read()));
        w.keep = -1;
        w.strb = -1;
        w.last = i == N - 1;
        out.write(w);
    }
}

}  // namespace ff

#endif
