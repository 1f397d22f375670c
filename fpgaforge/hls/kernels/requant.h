// Requantize: y = overflow(round((x * multiplier) >> shift)) into the output code type.
//
// Exactly fpgaforge.quant.fixed.requantize: the product is formed exactly in a wide
// ap_int, shifted right arithmetically (left when shift < 0), the dropped bits are
// rounded with one of the 7 ap_fixed rounding modes, then the result is wrapped or
// saturated (4 overflow modes) to the output width and signedness.
//
// Config (all static const):
//   in_t, out_t   code types;  wide_t  ap_int wide enough for x*m << max left shift
//   N             elements per frame;  CH  channels of the multiplier/shift tables
//   INNER         stream positions per channel step: channel = (i / INNER) % CH
//   ROUNDING, OVERFLOW (ff::Rounding / ff::Overflow; 1-bit signed SAT_SYM given as SAT)
//   OUT_W, OUT_SIGNED, PE (elements per cycle)
#ifndef FF_REQUANT_H
#define FF_REQUANT_H

#include "ff_common.h"

namespace ff {

// Round-and-overflow of one wide product `p` shifted right by `d` (left when d <= 0).
template <class Cfg>
typename Cfg::out_t rescale(typename Cfg::wide_t p, int d) {
#pragma HLS INLINE
    typedef typename Cfg::wide_t wide_t;
    wide_t n;
    if (d > 0) {
        wide_t q = p >> d;
        bool qb = ((p >> (d - 1)) & 1) != 0;
        wide_t mask = (wide_t(1) << (d - 1)) - 1;
        bool r = (p & mask) != 0;
        bool neg = p < 0;
        bool odd = (q & 1) != 0;
        bool inc;
        switch (Cfg::ROUNDING) {
            case TRN: inc = false; break;
            case RND: inc = qb; break;
            case RND_ZERO: inc = qb && (neg || r); break;
            case RND_MIN_INF: inc = qb && r; break;
            case RND_INF: inc = qb && (!neg || r); break;
            case RND_CONV: inc = qb && (odd || r); break;
            default: inc = neg && (qb || r); break;  // TRN_ZERO
        }
        n = q + (inc ? 1 : 0);
    } else {
        n = p << (-d);
    }
    wide_t hi = Cfg::OUT_SIGNED ? ((wide_t(1) << (Cfg::OUT_W - 1)) - 1) : ((wide_t(1) << Cfg::OUT_W) - 1);
    wide_t lo = Cfg::OUT_SIGNED ? wide_t(-(wide_t(1) << (Cfg::OUT_W - 1))) : wide_t(0);
    if (Cfg::OVERFLOW == SAT_SYM && Cfg::OUT_SIGNED) lo = lo + 1;
    if (n >= lo && n <= hi) return typename Cfg::out_t(n);
    if (Cfg::OVERFLOW == WRAP) return typename Cfg::out_t(n);  // keeps the low OUT_W bits
    if (Cfg::OVERFLOW == SAT_ZERO) return typename Cfg::out_t(0);
    return typename Cfg::out_t(n > hi ? hi : lo);
}

// Requantize one value of channel `c`.
template <class Cfg>
typename Cfg::out_t requant_one(typename Cfg::in_t x, long long multiplier, int shift) {
#pragma HLS INLINE
    typename Cfg::wide_t p = typename Cfg::wide_t(x) * typename Cfg::wide_t(multiplier);
    return rescale<Cfg>(p, shift);
}

// Stream kernel: N elements, per-channel (or per-tensor, CH == 1) multiplier and shift.
template <class Cfg>
void requant(hls::stream<typename Cfg::in_t>& in, hls::stream<typename Cfg::out_t>& out,
             const long long multiplier[Cfg::CH], const int shift[Cfg::CH]) {
    for (int i = 0; i < Cfg::N; i++) {
#pragma HLS PIPELINE II = 1
        int c = (i / Cfg::INNER) % Cfg::CH;
        out.write(requant_one<Cfg>(in.read(), multiplier[c], shift[c]));
    }
}

}  // namespace ff

#endif
