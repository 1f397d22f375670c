// fpgaforge RTL library: requantize (multiply, shift, round, overflow).
// Bit-exact with fpgaforge.quant.fixed.requantize: the product acc*mult is
// shifted right arithmetically by `shift` (left when negative), the dropped
// bits are rounded with ROUNDING, then the value is wrapped or saturated to
// OUT_W bits with OVERFLOW.
//   ROUNDING: 0 TRN, 1 RND, 2 RND_ZERO, 3 RND_MIN_INF, 4 RND_INF, 5 RND_CONV, 6 TRN_ZERO
//   OVERFLOW: 0 WRAP, 1 SAT, 2 SAT_ZERO, 3 SAT_SYM
// Purely combinational.
`default_nettype none
module ff_requant #(
    parameter integer IN_W       = 24,
    parameter integer IN_SIGNED  = 1,
    parameter integer MULT_W     = 16,
    parameter integer SHIFT_W    = 8,
    parameter integer OUT_W      = 8,
    parameter integer OUT_SIGNED = 1,
    parameter integer ROUNDING   = 1,
    parameter integer OVERFLOW   = 1,
    parameter integer MAX_LSHIFT = 8
) (
    input  wire [IN_W-1:0]           acc,
    input  wire signed [MULT_W-1:0]  mult,
    input  wire signed [SHIFT_W-1:0] shift,
    output reg  [OUT_W-1:0]          q
);
    localparam integer P_W  = IN_W + 1 + MULT_W;
    localparam integer WIDE = P_W + MAX_LSHIFT + OUT_W + 2;
    localparam integer OVF  = (OVERFLOW == 3 && OUT_SIGNED != 0 && OUT_W == 1) ? 1 : OVERFLOW;

    wire signed [IN_W:0] acc_s = IN_SIGNED != 0 ? $signed({acc[IN_W-1], acc}) : $signed({1'b0, acc});
    wire signed [P_W-1:0] prod = acc_s * mult;
    wire signed [WIDE-1:0] p = {{(WIDE-P_W){prod[P_W-1]}}, prod};
    wire signed [WIDE-1:0] one = {{(WIDE-1){1'b0}}, 1'b1};
    wire signed [WIDE-1:0] hi = OUT_SIGNED != 0 ? (one <<< (OUT_W-1)) - one : (one <<< OUT_W) - one;
    wire signed [WIDE-1:0] lo_base = OUT_SIGNED != 0 ? -(one <<< (OUT_W-1)) : {WIDE{1'b0}};
    wire signed [WIDE-1:0] lo = (OVF == 3 && OUT_SIGNED != 0) ? lo_base + one : lo_base;

    wire signed [31:0] shift32 = {{(32-SHIFT_W){shift[SHIFT_W-1]}}, shift};
    reg signed [WIDE-1:0] n;
    // Waiver: only bit 0 of the shifted copy is the first dropped bit; the rest is unused by design.
    /* verilator lint_off UNUSEDSIGNAL */
    reg signed [WIDE-1:0] t;
    /* verilator lint_on UNUSEDSIGNAL */
    reg signed [WIDE-1:0] q0;
    reg signed [WIDE-1:0] mask;
    reg qb, r, neg, inc;
    integer sr, sl;

    always @* begin
        neg = p[WIDE-1];
        sr = shift32;
        sl = -shift32;
        q0 = p;
        t = p;
        qb = 1'b0;
        r = 1'b0;
        inc = 1'b0;
        mask = {WIDE{1'b0}};
        if (shift32 > 0) begin
            q0 = p >>> sr;
            t = p >>> (sr - 1);
            qb = t[0];
            mask = (one << (sr - 1)) - one;
            r = |(p & mask);
            case (ROUNDING)
                0: inc = 1'b0;
                1: inc = qb;
                2: inc = qb & (neg | r);
                3: inc = qb & r;
                4: inc = qb & (~neg | r);
                5: inc = qb & (q0[0] | r);
                default: inc = neg & (qb | r);
            endcase
            n = q0 + {{(WIDE-1){1'b0}}, inc};
        end else begin
            n = p <<< sl;
        end
        if (n > hi) begin
            if (OVF == 0) q = n[OUT_W-1:0];
            else if (OVF == 2) q = {OUT_W{1'b0}};
            else q = hi[OUT_W-1:0];
        end else if (n < lo) begin
            if (OVF == 0) q = n[OUT_W-1:0];
            else if (OVF == 2) q = {OUT_W{1'b0}};
            else q = lo[OUT_W-1:0];
        end else begin
            q = n[OUT_W-1:0];
        end
    end
endmodule
`default_nettype wire
