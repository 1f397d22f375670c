// The selective-SSM decode step on codes (IntSSMStep; fpgaforge/ir/ops/intssm.py ssm_step_codes).
//
// ssm_step<Cfg>(x, dt, b, c, state_in, y, state_out, a_q, a_shift, d_q, d_shift, dt_bias,
//               softplus, exp): H heads of P channels, G groups of S state codes (head h uses
// group h / (H / G)). pot(v, bits) is the power-of-two quantizer of mamba.h (pot_fake, groups
// of GROUP along the last axis, at most the axis).
//   dts[h]  = pot(softplus_table(dt[h] + dt_bias[h]), SSM_BITS)       (FRAC_DT -> FRAC_DTS,
//             table index at FRAC_TSP from LO_SP, identity above the table)
//   da[h]   = exp_table(shift_round(dts[h] * a_q[h], FRAC_DTS + a_shift[h] - FRAC_TE))
//             (index from LO_E, clamped; entries at FRAC_DA)
//   xq, bq, cq = pot(x), pot(b), pot(c) with SSM_BITS
//   h[h][p][s] = pot(shift_round(da[h] * state[h][p][s], FRAC_DA)
//                  + shift_round(dts[h] * xq[h][p] * bq[g][s], FRAC_DTS + FRAC_X + FRAC_BC - FRAC_H),
//                  STATE_BITS)                                       (the new state, at FRAC_H)
//   y[h][p] = shift_round(sum_s h[h][p][s] * cq[g][s], FRAC_H + FRAC_BC - FRAC_Y)
//             + shift_round(d_q[h] * xq[h][p], d_shift[h] + FRAC_X - FRAC_Y)
// Config: H, P, G, S, GROUP, SSM_BITS, STATE_BITS, FRAC_X, FRAC_DT, FRAC_BC, FRAC_H, FRAC_Y,
// FRAC_DTS, FRAC_DA, FRAC_TE, FRAC_TSP, LO_SP, LO_E, SP_SIZE, E_SIZE; LANES state codes per
// cycle (the SSM lanes of the estimate: LANES / S channels of one head, all S states of each)
// and the widths DX_BITS (dts * xq), PRE_BITS (a state before its quantizer) and ACC_BITS (the
// readout sum).
#ifndef FF_SSM_STEP_H
#define FF_SSM_STEP_H

#include "mamba.h"

namespace ff {
namespace mamba {

template <class C, class TX, class TDT, class TB, class TC, class TSI, class TY, class TSO, class A,
          class AS, class D, class DS, class DB, class SP, class E>
void ssm_step(const TX x[C::H * C::P], const TDT dt[C::H], const TB b[C::G * C::S],
              const TC c[C::G * C::S], const TSI state_in[C::H * C::P * C::S],
              TY y[C::H * C::P], TSO state_out[C::H * C::P * C::S], const A a_q[C::H],
              const AS a_shift[C::H], const D d_q[C::H], const DS d_shift[C::H],
              const DB dt_bias[C::H], const SP softplus[C::SP_SIZE], const E exp[C::E_SIZE]) {
    const int GH = C::GROUP < C::H ? C::GROUP : C::H;
    const int GP = C::GROUP < C::P ? C::GROUP : C::P;
    const int GS = C::GROUP < C::S ? C::GROUP : C::S;
    const int REP = C::H / C::G;
    const int CH_LANES = C::LANES / C::S > 0 ? C::LANES / C::S : 1;
    const int STATES = C::S;
    typedef typename acc<C::DX_BITS>::t dx_t;
    typedef typename acc<C::PRE_BITS>::t pre_t;
    typedef typename acc<C::ACC_BITS>::t acc_t;
    code_t dts[C::H], da[C::H], xq[C::H * C::P], bq[C::G * C::S], cq[C::G * C::S];
#pragma HLS ARRAY_PARTITION variable = xq cyclic factor = CH_LANES
#pragma HLS ARRAY_PARTITION variable = bq complete
#pragma HLS ARRAY_PARTITION variable = cq complete
softplus_heads:
    for (int h = 0; h < C::H; h++) {
#pragma HLS PIPELINE II = 1
        dts[h] = table_lookup(code_t(dt[h]) + code_t(dt_bias[h]), softplus, C::SP_SIZE, C::FRAC_DT,
                              C::FRAC_TSP, C::LO_SP, C::FRAC_DTS, true);
    }
    pot_fake<C::H, GH>(dts, C::SSM_BITS);
decay_heads:
    for (int h = 0; h < C::H; h++) {
#pragma HLS PIPELINE II = 1
        const code_t e = shift_round(dts[h] * code_t(a_q[h]), C::FRAC_DTS + int(a_shift[h]) - C::FRAC_TE);
        da[h] = table_lookup(e, exp, C::E_SIZE, 0, 0, C::LO_E, C::FRAC_DA, false);
    }
copy_x:
    for (int i = 0; i < C::H * C::P; i++) {
#pragma HLS PIPELINE II = 1
#pragma HLS UNROLL factor = CH_LANES
        xq[i] = code_t(x[i]);
    }
quant_x:
    for (int h = 0; h < C::H; h++) pot_fake<C::P, GP, CH_LANES>(&xq[h * C::P], C::SSM_BITS);
copy_bc:
    for (int i = 0; i < C::G * C::S; i++) {
#pragma HLS PIPELINE II = 1
#pragma HLS UNROLL factor = STATES
        bq[i] = code_t(b[i]);
        cq[i] = code_t(c[i]);
    }
quant_bc:
    for (int g = 0; g < C::G; g++) {
        pot_fake<C::S, GS, GS>(&bq[g * C::S], C::SSM_BITS);
        pot_fake<C::S, GS, GS>(&cq[g * C::S], C::SSM_BITS);
    }
heads:
    for (int h = 0; h < C::H; h++) {
        const int g = h / REP;
    channels:
        for (int p = 0; p < C::P; p++) {
#pragma HLS PIPELINE II = 1
#pragma HLS UNROLL factor = CH_LANES
            code_t row[C::S];
#pragma HLS ARRAY_PARTITION variable = row complete
            const dx_t dx = dts[h] * xq[h * C::P + p];
        update:
            for (int s = 0; s < C::S; s++) {
#pragma HLS UNROLL
                const code_t dbx = shift_round(code_t(dx) * bq[g * C::S + s],
                                               C::FRAC_DTS + C::FRAC_X + C::FRAC_BC - C::FRAC_H);
                const code_t decayed =
                    shift_round(da[h] * code_t(state_in[(h * C::P + p) * C::S + s]), C::FRAC_DA);
                row[s] = code_t(pre_t(decayed + dbx));
            }
            pot_fake<C::S, GS>(row, C::STATE_BITS);
            acc_t sum = 0;
        readout:
            for (int s = 0; s < C::S; s++) {
#pragma HLS UNROLL
                state_out[(h * C::P + p) * C::S + s] = row[s];
                sum += row[s] * cq[g * C::S + s];
            }
            const code_t skip = shift_round(code_t(d_q[h]) * xq[h * C::P + p],
                                            int(d_shift[h]) + C::FRAC_X - C::FRAC_Y);
            y[h * C::P + p] = shift_round(code_t(sum), C::FRAC_H + C::FRAC_BC - C::FRAC_Y) + skip;
        }
    }
}

}  // namespace mamba
}  // namespace ff

#endif
