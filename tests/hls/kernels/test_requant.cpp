// Unit test of requant.h: every rounding x overflow mode for a few output types.
// stdin: lines "R O T acc mult shift" (T: 0 = ap_int<5>, 1 = ap_uint<5>, 2 = ap_int<1>, 3 = ap_int<12>);
// stdout: one result code per line.
#include <cstdio>
#include <type_traits>
#include "requant.h"

template <int R, int O, int W, bool S>
struct Cfg {
    typedef ap_int<40> in_t;
    typedef typename std::conditional<S, ap_int<W>, ap_uint<W> >::type out_t;
    typedef ap_int<112> wide_t;
    static const int ROUNDING = R, OVERFLOW = O, OUT_W = W, OUT_SIGNED = S;
};

template <int R, int O, int W, bool S>
long long one(long long acc, long long m, int sh) {
    return (long long)ff::requant_one<Cfg<R, O, W, S> >(ap_int<40>(acc), m, sh).to_int64();
}

template <int R, int O>
long long by_type(int t, long long acc, long long m, int sh) {
    switch (t) {
        case 0: return one<R, O, 5, true>(acc, m, sh);
        case 1: return one<R, O, 5, false>(acc, m, sh);
        case 2: return one<R, (O == ff::SAT_SYM ? ff::SAT : O), 1, true>(acc, m, sh);
        default: return one<R, O, 12, true>(acc, m, sh);
    }
}

template <int R>
long long by_overflow(int o, int t, long long acc, long long m, int sh) {
    switch (o) {
        case 0: return by_type<R, 0>(t, acc, m, sh);
        case 1: return by_type<R, 1>(t, acc, m, sh);
        case 2: return by_type<R, 2>(t, acc, m, sh);
        default: return by_type<R, 3>(t, acc, m, sh);
    }
}

int main() {
    int r, o, t, sh;
    long long acc, m;
    while (std::scanf("%d %d %d %lld %lld %d", &r, &o, &t, &acc, &m, &sh) == 6) {
        long long y;
        switch (r) {
            case 0: y = by_overflow<0>(o, t, acc, m, sh); break;
            case 1: y = by_overflow<1>(o, t, acc, m, sh); break;
            case 2: y = by_overflow<2>(o, t, acc, m, sh); break;
            case 3: y = by_overflow<3>(o, t, acc, m, sh); break;
            case 4: y = by_overflow<4>(o, t, acc, m, sh); break;
            case 5: y = by_overflow<5>(o, t, acc, m, sh); break;
            default: y = by_overflow<6>(o, t, acc, m, sh); break;
        }
        std::printf("%lld\n", y);
    }
    return 0;
}
