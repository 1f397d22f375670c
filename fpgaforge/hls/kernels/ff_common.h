// fpgaforge HLS kernel library: shared definitions.
//
// Every tensor travels as a stream of integer *codes* (ap_int<W> / ap_uint<W>), one
// scalar per element, in the tensor's stream order (channel-last for rank >= 3).
// A code's real value is code * lsb of its fpgaforge numeric type; the hardware
// never needs the lsb, so kernels are exact integer arithmetic, independent of
// ap_fixed operator subtleties. Each kernel is a function template over a
// constexpr config struct written by fpgaforge (see kernels/README.md).
#ifndef FF_COMMON_H
#define FF_COMMON_H

#include <ap_int.h>
#include <hls_stream.h>

namespace ff {

// Rounding modes (same order and meaning as fpgaforge.quant.types.Rounding).
enum Rounding { TRN = 0, RND = 1, RND_ZERO = 2, RND_MIN_INF = 3, RND_INF = 4, RND_CONV = 5, TRN_ZERO = 6 };
// Overflow modes (fpgaforge.quant.types.Overflow).
enum Overflow { WRAP = 0, SAT = 1, SAT_ZERO = 2, SAT_SYM = 3 };

// Copy one stream into two (a value read by two consumers).
template <class T, int N>
void fork2(hls::stream<T>& in, hls::stream<T>& out0, hls::stream<T>& out1) {
    for (int i = 0; i < N; i++) {
#pragma HLS PIPELINE II = 1
        T v = in.read();
        out0.write(v);
        out1.write(v);
    }
}

// Element-wise cast between code types of the same lsb (no rounding, exact widening).
template <class In, class Out, int N>
void widen(hls::stream<In>& in, hls::stream<Out>& out) {
    for (int i = 0; i < N; i++) {
#pragma HLS PIPELINE II = 1
        out.write(Out(in.read()));
    }
}

// Consume a stream nobody reads (an unused Split output).
template <class T, int N>
void drain(hls::stream<T>& in) {
    for (int i = 0; i < N; i++) {
#pragma HLS PIPELINE II = 1
        in.read();
    }
}

}  // namespace ff

#endif
