// fpgaforge RTL library: y = saturate(x * 2^-sh rounded half up, OUT_W) for a signed shift
// `sh` (fpgaforge.numerics.pot.shift_round, then saturate): sh > 0 adds 2^(sh-1) and shifts
// right arithmetically, sh <= 0 shifts left by -sh (at most MAX_L; larger left shifts are
// cut to MAX_L, the caller sizes MAX_L so they do not occur). Purely combinational.
`default_nettype none
module ff_shift_round #(
    parameter integer IN_W  = 16,
    parameter integer SH_W  = 8,
    parameter integer MAX_L = 0,
    parameter integer OUT_W = 16
) (
    input  wire [IN_W-1:0]  x,
    input  wire [SH_W-1:0]  sh,
    output reg  [OUT_W-1:0] y
);
    localparam integer RW = IN_W + 2;
    localparam integer LW = IN_W + MAX_L;
    localparam integer W0 = RW > LW ? RW : LW;
    localparam integer WW = (W0 > OUT_W ? W0 : OUT_W) + 1;

    wire signed [SH_W-1:0] s = sh;
    wire signed [WW-1:0] xe = {{(WW-IN_W){x[IN_W-1]}}, x};
    wire signed [WW-1:0] one = {{(WW-1){1'b0}}, 1'b1};
    wire signed [WW-1:0] hi = (one <<< (OUT_W - 1)) - one;
    wire signed [WW-1:0] lo = -(one <<< (OUT_W - 1));
    integer sr, sl;
    reg signed [WW-1:0] r;

    always @* begin
        sr = 0;
        sl = 0;
        if (s > 0) begin
            sr = s > IN_W + 1 ? IN_W + 1 : s;
            r = (xe + (one <<< (sr - 1))) >>> sr;
        end else begin
            sl = -s > MAX_L ? MAX_L : -s;
            r = xe <<< sl;
        end
        if (r > hi) y = hi[OUT_W-1:0];
        else if (r < lo) y = lo[OUT_W-1:0];
        else y = r[OUT_W-1:0];
    end
endmodule
`default_nettype wire
