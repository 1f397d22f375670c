// Mamba-2 decode step (LightMamba integer semantics): shared arithmetic and the small kernels.
//
// The decode-step kernels work on arrays of codes of any integer type (the generated top gives
// every array the `ap_int<W>` its value's bound needs; the kernels deduce the element types),
// one call per op, one op after another (the layers are sequential; LightMamba time-shares
// one instance of each unit). Inside a kernel a code is read into `code_t` (the emulation's
// int64) and sums are kept in `ap_int` accumulators sized by the config (`*_BITS`, from
// fpgaforge/hls/mamba_widths.py); the parallel lanes are config fields too (`LANES`, `ROWS`,
// `SIMD`, from the estimate). Every code is an integer with a static number of fractional bits; every
// requantization is `shift_round` (a shift rounded half up), so the kernels are exact
// integer arithmetic, equal bit for bit to fpgaforge's integer ops (fpgaforge/ir/ops/intssm.py,
// fpgaforge/numerics/pot.py). docs/mamba.md writes each op out.
//
// This header: the helpers (shift_round, saturate, bitlen, pot_fake, static_fake, the
// activation quantizer, table_lookup) and the kernels
//   fixed_quant  the hardware boundary: real embedding values to codes (FixedQuant)
//   table        a function by table on codes (IntTable: SiLU, softplus, exp)
//   add          the residual add (Add)
//   slice        a contiguous part of a vector (Split; Reshape needs no kernel)
//   load, store  a port's byte-aligned words to exact-width codes and back
//   carry        the new state into the state array of the next token
// Config fields are `static const int` members of the kernel's config struct (below each
// kernel). Tables are `const` arrays of any integer type (ROMs in synthesis).
#ifndef FF_MAMBA_H
#define FF_MAMBA_H

#include <ap_int.h>

#include <cmath>

namespace ff {
namespace mamba {

typedef long long code_t;  // a code inside the arithmetic (values stay within the emulation's int64)

// The signed accumulator of W bits (a bound from mamba_widths.py; 64 at most, the emulation's
// own width).
template <int W>
struct acc {
    typedef ap_int<(W < 64 ? W : 64)> t;
};

static const int MAX_SHIFT = 15;  // the largest power-of-two group shift (pot.MAX_SHIFT)

// x * 2^-s rounded half up (floor((x + 2^(s-1)) / 2^s)) for s > 0, x * 2^-s exactly for s <= 0.
inline code_t shift_round(code_t x, int s) {
#pragma HLS INLINE
    if (s > 0) return (x + (code_t(1) << (s - 1))) >> s;
    return x * (code_t(1) << (-s));
}

// x * 2^s for s >= 0 (a left shift that is defined for negative x).
inline code_t shl(code_t x, int s) {
#pragma HLS INLINE
    return x * (code_t(1) << s);
}

// Clip to the signed `bits`-bit range.
inline code_t saturate(code_t x, int bits) {
#pragma HLS INLINE
    const code_t hi = (code_t(1) << (bits - 1)) - 1;
    const code_t lo = -hi - 1;
    return x > hi ? hi : (x < lo ? lo : x);
}

// The number of bits of |x| (0 for 0).
inline int bitlen(code_t x) {
#pragma HLS INLINE
    unsigned long long a = x < 0 ? 0ULL - (unsigned long long)x : (unsigned long long)x;
    int n = 0;
bits:
    for (int i = 0; i < 64; i++) {
#pragma HLS UNROLL
        if ((a >> i) != 0) n = i + 1;
    }
    return n;
}

// Power-of-two quantization in place (pot.pot_fake): per group of G consecutive codes, the
// shift s = clamp(bitlen(max |x|) - (bits - 1), 0, MAX_SHIFT), x = saturate(x >> s rounded
// half up, bits) << s. N must be a multiple of G. L codes per cycle (the caller's lanes; x
// partitioned by L).
template <int N, int G, int L = 1>
void pot_fake(code_t x[N], int bits) {
groups:
    for (int g = 0; g < N / G; g++) {
        code_t top = 0;
    absmax:
        for (int i = 0; i < G; i++) {
#pragma HLS PIPELINE II = 1
#pragma HLS UNROLL factor = L
            code_t v = x[g * G + i];
            code_t a = v < 0 ? -v : v;
            if (a > top) top = a;
        }
        int s = bitlen(top) - (bits - 1);
        s = s < 0 ? 0 : (s > MAX_SHIFT ? MAX_SHIFT : s);
    quant:
        for (int i = 0; i < G; i++) {
#pragma HLS PIPELINE II = 1
#pragma HLS UNROLL factor = L
            x[g * G + i] = shl(saturate(shift_round(x[g * G + i], s), bits), s);
        }
    }
}

// One static shift (pot.static_fake): saturate(x >> shift rounded, bits) << shift.
inline code_t static_fake(code_t x, int bits, int shift) {
#pragma HLS INLINE
    if (shift >= 0) return shl(saturate(shift_round(x, shift), bits), shift);
    return saturate(x, bits);
}

// The activation quantizer of a linear or conv input (intssm.quantize_activation), in place:
// BITS <= 0 none; GROUP > 0 dynamic power of two per group of GROUP codes (GROUP is at most
// N; a larger group means the whole vector); GROUP == 0 one static shift SHIFT. L codes per
// cycle.
template <int N, int BITS, int GROUP, int SHIFT, int L = 1>
void quantize_activation(code_t x[N]) {
    if (BITS <= 0) return;
    if (GROUP > 0) {
        pot_fake<N, (GROUP < N ? GROUP : N), L>(x, BITS);
    } else {
    each:
        for (int i = 0; i < N; i++) {
#pragma HLS PIPELINE II = 1
#pragma HLS UNROLL factor = L
            x[i] = static_fake(x[i], BITS, SHIFT);
        }
    }
}

// f(x) by table (intssm.table_lookup): t = round(x to frac_t) - lo, the entry at t clamped
// to the table; above the table `identity` gives x itself at frac_out.
template <class T>
inline code_t table_lookup(code_t x, const T* table, int size, int frac_in, int frac_t, int lo,
                           int frac_out, bool identity) {
#pragma HLS INLINE
    code_t t = shift_round(x, frac_in - frac_t) - lo;
    code_t i = t < 0 ? 0 : (t > size - 1 ? size - 1 : t);
    code_t y = table[i];
    if (identity && t >= size) y = shift_round(x, frac_in - frac_out);
    return y;
}

// FixedQuant, the hardware boundary: y = saturate(floor(x * 2^FRAC + 1/2), BITS) for N
// real values (the host's embedding row). Config: N, FRAC, BITS.
template <class C, class R, class TY>
void fixed_quant(const R x[C::N], TY y[C::N]) {
each:
    for (int i = 0; i < C::N; i++) {
        double v = std::floor(double(x[i]) * std::ldexp(1.0, C::FRAC) + 0.5);
        const double hi = std::ldexp(1.0, C::BITS - 1) - 1.0;
        v = v > hi ? hi : (v < -hi - 1.0 ? -hi - 1.0 : v);
        y[i] = code_t(v);
    }
}

// IntTable: y = table_lookup(x) for N codes, two per cycle (the two ports of the ROM). Config: N, SIZE (entries), FRAC_IN, FRAC_T, LO,
// FRAC_OUT, IDENTITY (1: above the table y = x at FRAC_OUT; 0: the last entry).
template <class C, class TX, class TY, class T>
void table(const TX x[C::N], TY y[C::N], const T tbl[C::SIZE]) {
each:
    for (int i = 0; i < C::N; i++) {
#pragma HLS PIPELINE II = 1
#pragma HLS UNROLL factor = 2
        y[i] = table_lookup(code_t(x[i]), tbl, C::SIZE, C::FRAC_IN, C::FRAC_T, C::LO, C::FRAC_OUT,
                            C::IDENTITY != 0);
    }
}

// Add: y = a + b, N codes of one format (the residual stream), LANES a cycle. Config: N, LANES.
template <class C, class TA, class TB, class TY>
void add(const TA a[C::N], const TB b[C::N], TY y[C::N]) {
    const int LANES = C::LANES;
each:
    for (int i = 0; i < C::N; i++) {
#pragma HLS PIPELINE II = 1
#pragma HLS UNROLL factor = LANES
        y[i] = code_t(a[i]) + code_t(b[i]);
    }
}

// A port's words into the top's array of exact-width codes (a burst read of the m_axi port).
template <int N, class TS, class TD>
void load(const TS src[N], TD dst[N]) {
each:
    for (int i = 0; i < N; i++) {
#pragma HLS PIPELINE II = 1
        dst[i] = code_t(src[i]);
    }
}

// The top's codes out to a port's words, sign-extended (a burst write of the m_axi port).
template <int N, class TS, class TD>
void store(const TS src[N], TD dst[N]) {
each:
    for (int i = 0; i < N; i++) {
#pragma HLS PIPELINE II = 1
        dst[i] = TD(code_t(src[i]));
    }
}

// The new state into the state array the next call reads, F codes per cycle (the width of the
// state memory's word).
template <int N, int F, class TS, class TD>
void carry(const TS src[N], TD dst[N]) {
each:
    for (int i = 0; i < N; i++) {
#pragma HLS PIPELINE II = 1
#pragma HLS UNROLL factor = F
        dst[i] = src[i];
    }
}

// Split part: y = x[OFFSET : OFFSET + N], LANES codes a cycle. Config: N_IN, OFFSET, N, LANES.
template <class C, class TX, class TY>
void slice(const TX x[C::N_IN], TY y[C::N]) {
    const int LANES = C::LANES;
each:
    for (int i = 0; i < C::N; i++) {
#pragma HLS PIPELINE II = 1
#pragma HLS UNROLL factor = LANES
        y[i] = code_t(x[C::OFFSET + i]);
    }
}

}  // namespace mamba
}  // namespace ff

#endif
