// fpgaforge RTL library: the Mamba-2 selective-SSM decode step of one layer (LightMamba's
// SSM unit), bit-exact with fpgaforge.ir.ops.intssm.ssm_step_codes (IntSSMStep).
//
// Input stream (GROUP codes of IN_W bits per beat, lane 0 low), per step:
//   dt  HEADS/GROUP beats, B GROUPS_BC*D_STATE/GROUP beats, C as many,
//   then per head h: x[h, :] in HEADDIM/GROUP beats.
// Output stream: y[h, p] in NP = max(LANES/D_STATE, 1) codes of Y_W bits per beat, heads
// in order, channels in order.
//
// Per dt beat (GROUP heads): softplus by table (above the table: identity), the group's
// power-of-two quantization (ff_pot_quant), then exp(dt' * A) by table, one head a cycle
// (2 * GROUP + 4 cycles). B, C and x beats are quantized as they arrive (one a cycle).
// Per head: HEADDIM*D_STATE/LANES issue cycles, LANES (channel, state) pairs each through a
// five-stage pipeline: state read (block or LUT RAM of codes and one shift per GROUP
// states) | dA*h and dt'*x*B (ff_shift_round) | their sum | the state's power-of-two
// requantization (ff_pot_quant), write back | h*C per state group, aligned and summed per
// channel | accumulate over the channel's chunks, y = round(acc >> Y_K) + D*x.
// The whole pipeline stalls while an output beat waits (m_valid and not m_ready).
//
// Shifts are the quantized node's: SP_SHIFT = frac_dt - frac_tsp, SP_ID_SHIFT = frac_dt -
// frac_dts, DBX_K = frac_dts + frac_x + frac_bc - frac_h, DA_F = frac_da, Y_K = frac_h +
// frac_bc - frac_y; per head (HEAD_FILE, one word per head, most significant first):
// dt_bias (BIAS_W), A code (A_W), E shift = frac_dts + A_shift - frac_te (HSH_W), D code
// (D_W), skip shift = D_shift + frac_x - frac_y (HSH_W). Tables: SP_FILE (SP_DEPTH signed
// SP_W-bit entries, unsigned when SP_SIGNED = 0), E_FILE (E_DEPTH x E_W, E_SIGNED).
// STATE_FILE (optional): the initial state, one word per address {shifts, codes}.
// Widths keep every intermediate exact: the dt'*x*B term saturates only where the state
// requantization saturates anyway.
`default_nettype none
module ff_ssm_step #(
    parameter integer HEADS     = 8,
    parameter integer HEADDIM   = 16,
    parameter integer D_STATE   = 16,
    parameter integer GROUPS_BC = 1,
    parameter integer LANES     = 16,
    parameter integer GROUP     = 8,
    parameter integer IN_W      = 32,
    parameter integer BITS      = 8,
    parameter integer SB        = 8,
    parameter integer BIAS_W    = 24,
    parameter integer A_W       = 8,
    parameter integer D_W       = 8,
    parameter integer HSH_W     = 8,
    parameter integer SP_W      = 16,
    parameter integer SP_SIGNED = 1,
    parameter integer SP_DEPTH  = 4096,
    parameter integer SP_SHIFT  = 3,
    parameter integer SP_LO     = -2048,
    parameter integer SP_ID_SHIFT = 1,
    parameter integer E_W       = 9,
    parameter integer E_SIGNED  = 1,
    parameter integer E_DEPTH   = 4097,
    parameter integer E_LO      = -4096,
    parameter integer E_MAXL    = 16,
    parameter integer DBX_K     = 21,
    parameter integer DA_F      = 7,
    parameter integer Y_K       = 14,
    parameter integer SK_MAXL   = 16,
    parameter integer Y_W       = 32,
    parameter        SP_FILE    = "sp.hex",
    parameter        E_FILE     = "e.hex",
    parameter        HEAD_FILE  = "head.hex",
    parameter        STATE_FILE = ""
) (
    input  wire                  clk,
    input  wire                  rst,
    input  wire [GROUP*IN_W-1:0] s_data,
    input  wire                  s_valid,
    output wire                  s_ready,
    output reg  [NP*Y_W-1:0]     m_data,
    output reg                   m_valid,
    input  wire                  m_ready
);
    // ---- geometry ----
    localparam integer PS    = HEADDIM * D_STATE;
    localparam integer NB    = PS / LANES;                   // issue cycles per head
    localparam integer NP    = LANES >= D_STATE ? LANES / D_STATE : 1;
    localparam integer SPL   = LANES >= D_STATE ? 1 : D_STATE / LANES;
    localparam integer LG    = LANES / GROUP;                // state groups per issue
    localparam integer GPP   = LANES >= D_STATE ? D_STATE / GROUP : LG;  // groups per channel
    localparam integer HPG   = HEADS / GROUPS_BC;
    localparam integer DEPTH = HEADS * NB;
    localparam integer MW    = LANES * SB + LG * 4;
    localparam integer BCN   = GROUPS_BC * D_STATE;
    localparam integer HW    = BIAS_W + A_W + HSH_W + D_W + HSH_W;
    localparam integer AW    = DEPTH > 1 ? $clog2(DEPTH) : 1;
    localparam integer SPA   = $clog2(SP_DEPTH);
    localparam integer EA    = $clog2(E_DEPTH);
    // ---- exact widths ----
    localparam integer PV_W   = BITS + 17;                   // pot input: saturation is exact
    localparam integer DEC_L  = DA_F < 15 ? 15 - DA_F : 0;
    localparam integer DEC_W  = SB + E_W + 1 + DEC_L;
    localparam integer CL_W   = (DEC_W > SB + 15 ? DEC_W : SB + 15) + 2;
    localparam integer V_W    = CL_W + 1;
    localparam integer DBX_L  = DBX_K < 45 ? 45 - DBX_K : 0;
    localparam integer YG_W   = SB + BITS + $clog2(GROUP) + 1;
    localparam integer YS_W   = YG_W + 30;
    localparam integer YA_W   = YS_W + $clog2(D_STATE / GROUP + 1) + 1;
    localparam integer YR_W   = YA_W + (Y_K < 0 ? -Y_K : 0) + 2;
    localparam integer SK_W   = Y_W + 1;

    localparam [3:0] S_DT = 0, S_SP = 1, S_DQ = 2, S_EX = 3, S_B = 4, S_C = 5, S_X = 6,
                     S_RUN = 7, S_DRAIN = 8;

    // ---- tables and per-head constants ----
    reg [SP_W-1:0] sp_rom [0:SP_DEPTH-1];
    reg [E_W-1:0]  e_rom  [0:E_DEPTH-1];
    reg [HW-1:0]   head_rom [0:HEADS-1];
    reg [MW-1:0]   mem [0:DEPTH-1];
    initial begin
        $readmemh(SP_FILE, sp_rom);
        $readmemh(E_FILE, e_rom);
        $readmemh(HEAD_FILE, head_rom);
    end
    generate
        if (STATE_FILE != "") begin : g_init
            initial $readmemh(STATE_FILE, mem);
        end
    endgenerate

    reg [3:0] state;
    reg [15:0] hb, bb, xb, h, c, i, hg, hig, kc, pc;
    reg [GROUP*IN_W-1:0] dt_beat;
    reg [GROUP*PV_W-1:0] sp_vals;
    reg [HEADS*BITS-1:0] dq_all;
    reg [HEADS*4-1:0]    ds_all;
    reg [HEADS*E_W-1:0]  da_all;
    reg [BCN*BITS-1:0]   qb_all, qc_all;
    reg [BCN/GROUP*4-1:0] sb_all, sc_all;
    reg [HEADDIM*BITS-1:0] qx_all;
    reg [HEADDIM/GROUP*4-1:0] sx_all;

    assign s_ready = state == S_DT || state == S_B || state == S_C || state == S_X;
    wire take = s_valid && s_ready;
    wire adv = !m_valid || m_ready;

    // ---- input quantizer (B, C, x beats) ----
    wire [GROUP*BITS-1:0] in_q;
    wire [3:0] in_s;
    ff_pot_quant #(.IN_W(IN_W), .BITS(BITS), .N(GROUP), .GROUP(GROUP)) u_in_q (
        .x(s_data), .q(in_q), .s(in_s));

    // ---- softplus lookup (one head a cycle) ----
    wire [15:0] hs = hb * GROUP + i;                          // head of this lookup
    wire [HW-1:0] hrow = head_rom[hs[$clog2(HEADS+1)-1:0]];
    wire signed [BIAS_W-1:0] bias_s = hrow[HW-1 -: BIAS_W];
    wire signed [A_W-1:0]    a_s    = hrow[HW-BIAS_W-1 -: A_W];
    wire signed [HSH_W-1:0]  esh_s  = hrow[HW-BIAS_W-A_W-1 -: HSH_W];
    wire signed [IN_W-1:0] dt_i = dt_beat[IN_W-1:0];
    wire signed [IN_W:0] u = dt_i + bias_s;
    wire signed [31:0] sp_r;
    wire signed [PV_W-1:0] sp_id;
    ff_shift_round #(.IN_W(IN_W+1), .SH_W(8), .MAX_L(SP_SHIFT < 0 ? -SP_SHIFT : 0), .OUT_W(32))
        u_sp_idx (.x(u), .sh(SP_SHIFT), .y(sp_r));
    ff_shift_round #(.IN_W(IN_W+1), .SH_W(8), .MAX_L(SP_ID_SHIFT < 0 ? -SP_ID_SHIFT : 0),
        .OUT_W(PV_W)) u_sp_id (.x(u), .sh(SP_ID_SHIFT), .y(sp_id));
    wire signed [33:0] sp_t = sp_r - SP_LO;
    wire sp_above = sp_t >= SP_DEPTH;
    wire [SPA-1:0] sp_idx = sp_t < 0 ? 0 : (sp_above ? SP_DEPTH - 1 : sp_t[SPA-1:0]);
    reg [SP_W-1:0] sp_q;
    reg sp_above_q;
    reg signed [PV_W-1:0] sp_id_q;
    wire signed [PV_W-1:0] sp_val = sp_above_q ? sp_id_q
                                   : {{(PV_W-SP_W){SP_SIGNED != 0 && sp_q[SP_W-1]}}, sp_q};
    // dt' of the group: power-of-two quantized over GROUP heads
    wire [GROUP*BITS-1:0] dq_g;
    wire [3:0] ds_g;
    ff_pot_quant #(.IN_W(PV_W), .BITS(BITS), .N(GROUP), .GROUP(GROUP)) u_dt_q (
        .x(sp_vals), .q(dq_g), .s(ds_g));

    // ---- exp lookup: e = round(dq * A >> (E shift - ds)), dA = exp_table[e - E_LO] ----
    wire signed [BITS-1:0] dq_h = dq_all[hs[$clog2(HEADS+1)-1:0]*BITS +: BITS];
    wire [3:0] ds_h = ds_all[hs[$clog2(HEADS+1)-1:0]*4 +: 4];
    wire signed [BITS+A_W-1:0] e_prod = dq_h * a_s;
    wire signed [HSH_W+1:0] e_sh = esh_s - $signed({1'b0, ds_h});
    wire signed [31:0] e_in;
    ff_shift_round #(.IN_W(BITS+A_W), .SH_W(HSH_W+2), .MAX_L(E_MAXL), .OUT_W(32)) u_e (
        .x(e_prod), .sh(e_sh), .y(e_in));
    wire signed [33:0] e_t = e_in - E_LO;
    wire [EA-1:0] e_idx = e_t < 0 ? 0 : (e_t >= E_DEPTH ? E_DEPTH - 1 : e_t[EA-1:0]);
    reg [E_W-1:0] e_q;

    // ---- issue stage (S_RUN): per channel slot j ----
    localparam integer HB = $clog2(HEADS + 1);
    wire [HW-1:0] hrow_r = head_rom[h[HB-1:0]];
    wire signed [D_W-1:0]   d_r   = hrow_r[HSH_W+D_W-1 -: D_W];
    wire signed [HSH_W-1:0] ksh_r = hrow_r[HSH_W-1:0];
    wire signed [BITS-1:0] dq_r = dq_all[h[HB-1:0]*BITS +: BITS];
    reg [NP*2*BITS-1:0] dx_i;
    reg [NP*4-1:0] sx_i;
    reg [NP*(BITS+D_W)-1:0] dxp_i;
    reg [NP*(HSH_W+2)-1:0] ksh_i;
    wire [NP*SK_W-1:0] skip_i;
    integer j, p;
    always @* begin
        for (j = 0; j < NP; j = j + 1) begin
            p = pc * NP + j;
            dx_i[j*2*BITS +: 2*BITS] = dq_r * $signed(qx_all[p*BITS +: BITS]);
            sx_i[j*4 +: 4] = sx_all[(p/GROUP)*4 +: 4];
            dxp_i[j*(BITS+D_W) +: BITS+D_W] = $signed(qx_all[p*BITS +: BITS]) * d_r;
            ksh_i[j*(HSH_W+2) +: HSH_W+2] = ksh_r - $signed({1'b0, sx_all[(p/GROUP)*4 +: 4]});
        end
    end
    genvar gj;
    generate
        for (gj = 0; gj < NP; gj = gj + 1) begin : g_skip
            ff_shift_round #(.IN_W(BITS+D_W), .SH_W(HSH_W+2), .MAX_L(SK_MAXL), .OUT_W(SK_W))
                u_skip (.x(dxp_i[gj*(BITS+D_W) +: BITS+D_W]),
                        .sh(ksh_i[gj*(HSH_W+2) +: HSH_W+2]), .y(skip_i[gj*SK_W +: SK_W]));
        end
    endgenerate

    // ---- pipeline registers ----
    reg p1_v, p2_v, p3_v, p4_v;
    reg [15:0] p1_g, p2_g, p3_g;
    reg [15:0] p1_k, p2_k, p3_k, p4_k;
    reg [AW-1:0] p1_a, p2_a;
    reg [NP*2*BITS-1:0] p1_dx;
    reg [NP*4-1:0] p1_sx;
    reg [NP*SK_W-1:0] p1_sk, p2_sk, p3_sk, p4_sk;
    reg [E_W-1:0] p1_da;
    reg [3:0] p1_sd;
    reg [MW-1:0] rd;
    reg [LANES*V_W-1:0] p2_v_sum;
    reg [LANES*SB-1:0] p3_q;
    reg [LG*4-1:0] p3_s;
    reg [NP*YA_W-1:0] p4_part;
    reg [NP*YA_W-1:0] acc;

    // ---- stage 1: dA*h and dt'*x*B per lane ----
    wire [LANES*DEC_W-1:0] dec_w;
    wire [LANES*CL_W-1:0] dbx_w;
    genvar gl;
    generate
        for (gl = 0; gl < LANES; gl = gl + 1) begin : g_lane
            localparam integer SL = LANES >= D_STATE ? gl % D_STATE : gl;  // + k*LANES
            localparam integer JL = LANES >= D_STATE ? gl / D_STATE : 0;
            wire [15:0] s_idx = (LANES >= D_STATE ? 0 : p1_k * LANES) + SL;
            wire [15:0] bi = p1_g * D_STATE + s_idx;
            wire signed [BITS-1:0] qb_l = qb_all[bi*BITS +: BITS];
            wire [3:0] sb_l = sb_all[(bi/GROUP)*4 +: 4];
            wire signed [SB-1:0] qh_l = rd[gl*SB +: SB];
            wire [3:0] sh_l = rd[LANES*SB + (gl/GROUP)*4 +: 4];
            wire signed [E_W:0] da_l = {E_SIGNED != 0 && p1_da[E_W-1], p1_da};
            wire signed [SB+E_W:0] dprod = qh_l * da_l;
            wire signed [7:0] dsh = DA_F - $signed({1'b0, sh_l});
            ff_shift_round #(.IN_W(SB+E_W+1), .SH_W(8), .MAX_L(DEC_L), .OUT_W(DEC_W)) u_dec (
                .x(dprod), .sh(dsh), .y(dec_w[gl*DEC_W +: DEC_W]));
            wire signed [3*BITS-1:0] bprod = $signed(p1_dx[JL*2*BITS +: 2*BITS]) * qb_l;
            wire signed [9:0] bsh = DBX_K - $signed({1'b0, p1_sd}) - $signed({1'b0, p1_sx[JL*4 +: 4]})
                                  - $signed({1'b0, sb_l});
            ff_shift_round #(.IN_W(3*BITS), .SH_W(10), .MAX_L(DBX_L), .OUT_W(CL_W)) u_dbx (
                .x(bprod), .sh(bsh), .y(dbx_w[gl*CL_W +: CL_W]));
        end
    endgenerate

    // ---- stage 2: the state's power-of-two requantization ----
    wire [LANES*SB-1:0] hq;
    wire [LG*4-1:0] hs_q;
    ff_pot_quant #(.IN_W(V_W), .BITS(SB), .N(LANES), .GROUP(GROUP)) u_h_q (
        .x(p2_v_sum), .q(hq), .s(hs_q));

    // ---- stage 3: h*C, aligned per state group, summed per channel ----
    reg [NP*YA_W-1:0] part;
    reg signed [YG_W-1:0] gsum;
    reg signed [YS_W-1:0] gal;
    reg signed [YA_W-1:0] psum;
    integer l, gg, jj, cs, cg;
    always @* begin
        part = {NP*YA_W{1'b0}};
        for (jj = 0; jj < NP; jj = jj + 1) begin
            psum = 0;
            for (gg = 0; gg < GPP; gg = gg + 1) begin
                gsum = 0;
                for (l = 0; l < GROUP; l = l + 1) begin
                    cs = (LANES >= D_STATE ? 0 : p3_k * LANES) + gg * GROUP + l;
                    cg = p3_g * D_STATE + cs;
                    gsum = gsum + $signed(p3_q[(jj*GPP*GROUP + gg*GROUP + l)*SB +: SB])
                                * $signed(qc_all[cg*BITS +: BITS]);
                end
                cg = p3_g * (D_STATE / GROUP) + (LANES >= D_STATE ? 0 : p3_k * LG) + gg;
                gal = $signed({{(YS_W-YG_W){gsum[YG_W-1]}}, gsum})
                      <<< ({1'b0, p3_s[(jj*GPP + gg)*4 +: 4]} + {1'b0, sc_all[cg*4 +: 4]});
                psum = psum + gal;
            end
            part[jj*YA_W +: YA_W] = psum;
        end
    end

    // ---- stage 4: accumulate, y = round(acc >> Y_K) + skip ----
    reg [NP*YA_W-1:0] tot;
    reg [NP*Y_W-1:0] y_w;
    reg signed [YR_W-1:0] ya, yr;
    reg signed [YR_W+1:0] ys;
    integer jq;
    wire signed [YR_W+1:0] y_one = {{(YR_W+1){1'b0}}, 1'b1};
    wire signed [YR_W+1:0] y_hi = (y_one <<< (Y_W - 1)) - y_one;
    wire signed [YR_W+1:0] y_lo = -(y_one <<< (Y_W - 1));
    always @* begin
        for (jq = 0; jq < NP; jq = jq + 1) begin
            tot[jq*YA_W +: YA_W] = (SPL == 1 || p4_k == 0) ? p4_part[jq*YA_W +: YA_W]
                : $signed(acc[jq*YA_W +: YA_W]) + $signed(p4_part[jq*YA_W +: YA_W]);
            ya = $signed(tot[jq*YA_W +: YA_W]);
            if (Y_K > 0) yr = (ya + (1 <<< (Y_K > 0 ? Y_K - 1 : 0))) >>> (Y_K > 0 ? Y_K : 0);
            else yr = ya <<< (Y_K < 0 ? -Y_K : 0);
            ys = yr + $signed(p4_sk[jq*SK_W +: SK_W]);
            if (ys > y_hi) ys = y_hi;
            if (ys < y_lo) ys = y_lo;
            y_w[jq*Y_W +: Y_W] = ys[Y_W-1:0];
        end
    end

    // ---- control ----
    wire issue = state == S_RUN && adv;
    integer q;
    always @(posedge clk) begin
        if (adv) begin
            // stage 0 -> 1
            p1_v <= issue;
            p1_g <= hg;
            p1_k <= kc;
            p1_a <= h * NB + c;
            p1_dx <= dx_i;
            p1_sx <= sx_i;
            p1_sk <= skip_i;
            p1_da <= da_all[E_W-1:0];
            p1_sd <= ds_all[h[HB-1:0]*4 +: 4];
            rd <= mem[h * NB + c];
            // stage 1 -> 2
            p2_v <= p1_v;
            p2_g <= p1_g;
            p2_k <= p1_k;
            p2_a <= p1_a;
            p2_sk <= p1_sk;
            for (q = 0; q < LANES; q = q + 1)
                p2_v_sum[q*V_W +: V_W] <= $signed(dec_w[q*DEC_W +: DEC_W])
                                        + $signed(dbx_w[q*CL_W +: CL_W]);
            // stage 2 -> 3 (state write back)
            p3_v <= p2_v;
            p3_g <= p2_g;
            p3_k <= p2_k;
            p3_sk <= p2_sk;
            p3_q <= hq;
            p3_s <= hs_q;
            if (p2_v) mem[p2_a] <= {hs_q, hq};
            // stage 3 -> 4
            p4_v <= p3_v;
            p4_k <= p3_k;
            p4_sk <= p3_sk;
            p4_part <= part;
            // stage 4 -> out
            if (p4_v) acc <= tot;
            if (p4_v && p4_k == SPL - 1) begin
                m_data <= y_w;
                m_valid <= 1'b1;
            end else begin
                m_valid <= 1'b0;
            end
        end
        // header: one lookup a cycle, the result one cycle later
        sp_q <= sp_rom[sp_idx];
        sp_above_q <= sp_above;
        sp_id_q <= sp_id;
        e_q <= e_rom[e_idx];
        if (rst) begin
            state <= S_DT;
            hb <= 0; bb <= 0; xb <= 0; h <= 0; c <= 0; i <= 0;
            hg <= 0; hig <= 0; kc <= 0; pc <= 0;
            p1_v <= 1'b0; p2_v <= 1'b0; p3_v <= 1'b0; p4_v <= 1'b0;
            m_valid <= 1'b0;
        end else begin
            case (state)
                S_DT: if (take) begin
                    dt_beat <= s_data;
                    i <= 0;
                    state <= S_SP;
                end
                S_SP: begin
                    if (i > 0) sp_vals <= {sp_val, sp_vals[GROUP*PV_W-1:PV_W]};
                    dt_beat <= dt_beat >> IN_W;
                    if (i == GROUP) state <= S_DQ;
                    else i <= i + 1;
                end
                S_DQ: begin
                    dq_all[hb*GROUP*BITS +: GROUP*BITS] <= dq_g;
                    for (q = 0; q < GROUP; q = q + 1) ds_all[(hb*GROUP+q)*4 +: 4] <= ds_g;
                    i <= 0;
                    state <= S_EX;
                end
                S_EX: begin
                    if (i > 0) da_all <= {e_q, da_all[HEADS*E_W-1:E_W]};
                    if (i == GROUP) begin
                        i <= 0;
                        if (hb == HEADS / GROUP - 1) begin
                            hb <= 0;
                            state <= S_B;
                        end else begin
                            hb <= hb + 1;
                            state <= S_DT;
                        end
                    end else i <= i + 1;
                end
                S_B: if (take) begin
                    qb_all[bb*GROUP*BITS +: GROUP*BITS] <= in_q;
                    sb_all[bb*4 +: 4] <= in_s;
                    if (bb == BCN / GROUP - 1) begin
                        bb <= 0;
                        state <= S_C;
                    end else bb <= bb + 1;
                end
                S_C: if (take) begin
                    qc_all[bb*GROUP*BITS +: GROUP*BITS] <= in_q;
                    sc_all[bb*4 +: 4] <= in_s;
                    if (bb == BCN / GROUP - 1) begin
                        bb <= 0;
                        state <= S_X;
                    end else bb <= bb + 1;
                end
                S_X: if (take) begin
                    qx_all[xb*GROUP*BITS +: GROUP*BITS] <= in_q;
                    sx_all[xb*4 +: 4] <= in_s;
                    if (xb == HEADDIM / GROUP - 1) begin
                        xb <= 0;
                        state <= S_RUN;
                    end else xb <= xb + 1;
                end
                S_RUN: if (adv) begin
                    if (kc == SPL - 1) begin
                        kc <= 0;
                        pc <= pc + 1;
                    end else kc <= kc + 1;
                    if (c == NB - 1) begin
                        c <= 0;
                        kc <= 0;
                        da_all <= {da_all[E_W-1:0], da_all[HEADS*E_W-1:E_W]};
                        pc <= 0;
                        if (hig == HPG - 1) begin
                            hig <= 0;
                            hg <= hg + 1;
                        end else hig <= hig + 1;
                        if (h == HEADS - 1) state <= S_DRAIN;
                        else begin
                            h <= h + 1;
                            state <= S_X;
                        end
                    end else c <= c + 1;
                end
                default: if (!p1_v && !p2_v && !p3_v && !p4_v && !m_valid) begin
                    h <= 0;
                    hg <= 0;
                    hig <= 0;
                    state <= S_DT;
                end
            endcase
        end
    end
endmodule
`default_nettype wire
