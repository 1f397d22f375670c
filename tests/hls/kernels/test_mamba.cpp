// Unit test of the Mamba-2 decode-step kernels (mamba.h, pot_gemv.h, causal_conv.h, rmsnorm.h,
// hadamard.h, ssm_step.h). stdin, in order: the inputs of each case below; stdout: their outputs,
// one code per line, in the same order (tests/hls/test_kernels.py builds both from the Python ops).
#include <cstdio>
#include <cstring>

#include "causal_conv.h"
#include "hadamard.h"
#include "pot_gemv.h"
#include "rmsnorm.h"
#include "ssm_step.h"

using ff::mamba::code_t;

static void read(code_t* v, int n) {
    for (int i = 0; i < n; i++) std::scanf("%lld", &v[i]);
}
static void write(const code_t* v, int n) {
    for (int i = 0; i < n; i++) std::printf("%lld\n", v[i]);
}

struct Fq { static const int N = 12, FRAC = 10, BITS = 16; };
struct Tb { static const int N = 24, SIZE = 16, FRAC_IN = 6, FRAC_T = 3, LO = -8, FRAC_OUT = 5, IDENTITY = 1; };
struct Tc { static const int N = 24, SIZE = 16, FRAC_IN = 6, FRAC_T = 3, LO = -8, FRAC_OUT = 5, IDENTITY = 0; };
struct Ad { static const int N = 8, LANES = 4; };
struct Sl { static const int N_IN = 8, OFFSET = 3, N = 4, LANES = 2; };
struct Lg { static const int N = 6, K = 16, GROUP = 8, SHIFT = 5, OUT_BITS = 16, ACT_BITS = 4, ACT_GROUP = 8, ACT_SHIFT = 0;
    static const int ROWS = 4, SIMD = 4, X_BITS = 24, PART_BITS = 48, ACC_BITS = 62; };
struct Ls { static const int N = 6, K = 16, GROUP = 16, SHIFT = -2, OUT_BITS = 32, ACT_BITS = 4, ACT_GROUP = 0, ACT_SHIFT = 3;
    static const int ROWS = 4, SIMD = 8, X_BITS = 24, PART_BITS = 48, ACC_BITS = 62; };
struct Cv { static const int C = 16, K = 4, FRAC_IN = 8, FRAC_OUT = 7, ACT_BITS = 8, ACT_GROUP = 8, ACT_SHIFT = 0;
    static const int LANES = 4, X_BITS = 24, ACC_BITS = 48; };
struct Rg { static const int N = 16, GROUP = 8, GATED = 1, FRAC_GATE = 6, EPS = 5, TABLE_BITS = 10, R_BITS = 16, FRAC_OUT = 6, TABLE_SIZE = 1024;
    static const int LANES = 4, G_BITS = 40, ACC_BITS = 64; };
struct Rn { static const int N = 16, GROUP = 16, GATED = 0, FRAC_GATE = 0, EPS = 300, TABLE_BITS = 10, R_BITS = 16, FRAC_OUT = 9, TABLE_SIZE = 1024;
    static const int LANES = 4, G_BITS = 40, ACC_BITS = 64; };
struct H12 { static const int N = 24, KB = 12, P = 2, LANES = 2, T_BITS = 32; };
struct H16 { static const int N = 16, KB = 1, P = 16, LANES = 4, T_BITS = 32; };
struct Ss {
    static const int H = 4, P = 8, G = 2, S = 8, GROUP = 8, SSM_BITS = 8, STATE_BITS = 8;
    static const int FRAC_X = 10, FRAC_DT = 9, FRAC_BC = 10, FRAC_H = 11, FRAC_Y = 9, FRAC_DTS = 8;
    static const int FRAC_DA = 7, FRAC_TE = 6, FRAC_TSP = 6, LO_SP = -256, LO_E = -512, SP_SIZE = 512, E_SIZE = 513;
    static const int LANES = 16, DX_BITS = 50, PRE_BITS = 60, ACC_BITS = 60;
};

int main() {
    // fixed_quant: 12 float32 bit patterns
    {
        float x[Fq::N];
        for (int i = 0; i < Fq::N; i++) {
            long long bits;
            std::scanf("%lld", &bits);
            unsigned int u = (unsigned int)bits;
            std::memcpy(&x[i], &u, 4);
        }
        code_t y[Fq::N];
        ff::mamba::fixed_quant<Fq>(x, y);
        write(y, Fq::N);
    }
    // table (identity above, then clamp): x[24], table[16]
    {
        code_t x[Tb::N], t[Tb::SIZE], y[Tb::N];
        read(x, Tb::N);
        read(t, Tb::SIZE);
        ff::mamba::table<Tb>(x, y, t);
        write(y, Tb::N);
        ff::mamba::table<Tc>(x, y, t);
        write(y, Tb::N);
    }
    // add, slice: a[8], b[8]
    {
        code_t a[8], b[8], y[8], s[4];
        read(a, 8);
        read(b, 8);
        ff::mamba::add<Ad>(a, b, y);
        write(y, 8);
        ff::mamba::slice<Sl>(a, s);
        write(s, 4);
    }
    // linear, dynamic groups then static shift, then any multiplier (linear_scaled):
    // x[16], q[96], s1[12], s2[12], s1s[6], s2s[6], m[6]
    {
        code_t x[16], y[6];
        signed char q[96];
        int s1[12], s2[12], t1[6], t2[6], m[6];
        read(x, 16);
        for (int i = 0; i < 96; i++) {
            int v;
            std::scanf("%d", &v);
            q[i] = (signed char)v;
        }
        for (int i = 0; i < 12; i++) std::scanf("%d", &s1[i]);
        for (int i = 0; i < 12; i++) std::scanf("%d", &s2[i]);
        for (int i = 0; i < 6; i++) std::scanf("%d", &t1[i]);
        for (int i = 0; i < 6; i++) std::scanf("%d", &t2[i]);
        for (int i = 0; i < 6; i++) std::scanf("%d", &m[i]);
        ff::mamba::linear<Lg>(x, y, q, s1, s2);
        write(y, 6);
        ff::mamba::linear<Ls>(x, y, q, t1, t2);
        write(y, 6);
        ff::mamba::linear_scaled<Ls>(x, y, q, m);
        write(y, 6);
    }
    // conv1d: x[16], state[48], q[64], shift[16], bias[16]
    {
        code_t x[16], st[48], y[16], so[48], q[64], sh[16], bi[16];
        read(x, 16);
        read(st, 48);
        read(q, 64);
        read(sh, 16);
        read(bi, 16);
        ff::mamba::conv1d<Cv>(x, st, y, so, q, sh, bi);
        write(y, 16);
        write(so, 48);
    }
    // rmsnorm gated (groups of 8) and plain: x[16], gate[16], rsqrt[1024]
    {
        static code_t x[16], g[16], y[16], r[1024];
        read(x, 16);
        read(g, 16);
        read(r, 1024);
        ff::mamba::rmsnorm<Rg>(x, g, y, r);
        write(y, 16);
        ff::mamba::rmsnorm<Rn>(x, g, y, r);
        write(y, 16);
    }
    // hadamard 24 = 12 x 2 and 16: x[24], base12[144], x2[16]
    {
        code_t x[24], y[24], x2[16], y2[16], one[1] = {1};
        int base[144];
        read(x, 24);
        for (int i = 0; i < 144; i++) std::scanf("%d", &base[i]);
        read(x2, 16);
        ff::mamba::hadamard<H12>(x, y, base);
        write(y, 24);
        ff::mamba::hadamard<H16>(x2, y2, one);
        write(y2, 16);
    }
    // ssm_step: x[32], dt[4], b[16], c[16], state[256], a_q[4], a_shift[4], d_q[4], d_shift[4],
    // dt_bias[4], softplus[512], exp[513]
    {
        static code_t x[32], dt[4], b[16], c[16], st[256], y[32], so[256], aq[4], as[4], dq[4], ds[4],
            db[4], sp[512], ex[513];
        read(x, 32);
        read(dt, 4);
        read(b, 16);
        read(c, 16);
        read(st, 256);
        read(aq, 4);
        read(as, 4);
        read(dq, 4);
        read(ds, 4);
        read(db, 4);
        read(sp, 512);
        read(ex, 513);
        ff::mamba::ssm_step<Ss>(x, dt, b, c, st, y, so, aq, as, dq, ds, db, sp, ex);
        write(y, 32);
        write(so, 256);
    }
    return 0;
}
