// fpgaforge RTL library: power-of-two activation quantizer (LightMamba), bit-exact with
// fpgaforge.ir.ops.intssm.quantize_activation / fpgaforge.numerics.pot.pot_quantize.
// N signed IN_W-bit codes per word, in groups of GROUP consecutive codes:
//   s = clamp(bitlen(max |x|) - (BITS-1), 0, 15)     (per group; bitlen(max) = bitlen of
//                                                      the OR of the magnitudes)
//   q = saturate(x >> s rounded half up, BITS)
// The value the codes stand for is q << s. GROUP = 0: one static shift SHIFT for every
// code (static_fake, 0 <= SHIFT <= 15; SHIFT < 0 saturates x unshifted, s = 0).
// Purely combinational.
`default_nettype none
module ff_pot_quant #(
    parameter integer IN_W  = 16,
    parameter integer BITS  = 8,
    parameter integer N     = 8,
    parameter integer GROUP = 8,
    parameter integer SHIFT = 0
) (
    input  wire [N*IN_W-1:0]   x,
    output reg  [N*BITS-1:0]   q,
    output reg  [NG*4-1:0]     s
);
    localparam integer NG = GROUP > 0 ? N / GROUP : 1;
    localparam integer GS = GROUP > 0 ? GROUP : N;
    localparam integer SW = (IN_W > 16 ? IN_W : 16) + 2;
    localparam integer ST = SHIFT > 0 ? (SHIFT > 15 ? 15 : SHIFT) : 0;

    integer g, i, b;
    reg [IN_W-1:0] mag, any;
    reg [5:0] bl;
    reg signed [5:0] sh;
    reg signed [IN_W-1:0] xi;
    reg signed [SW-1:0] xe, half, r;
    reg signed [SW-1:0] hi, lo;

    always @* begin
        hi = (1 <<< (BITS - 1)) - 1;
        lo = -(1 <<< (BITS - 1));
        q = {N*BITS{1'b0}};
        s = {NG*4{1'b0}};
        for (g = 0; g < NG; g = g + 1) begin
            any = {IN_W{1'b0}};
            for (i = 0; i < GS; i = i + 1) begin
                xi = x[(g*GS+i)*IN_W +: IN_W];
                mag = xi[IN_W-1] ? -xi : xi;
                any = any | mag;
            end
            bl = 6'd0;
            for (b = 0; b < IN_W; b = b + 1)
                if (any[b]) bl = b + 1;
            if (GROUP > 0) begin
                sh = $signed({1'b0, bl}) - (BITS - 1);
                if (sh < 0) sh = 0;
                if (sh > 15) sh = 15;
            end else begin
                sh = ST;
            end
            s[g*4 +: 4] = sh[3:0];
            for (i = 0; i < GS; i = i + 1) begin
                xe = {{2{x[(g*GS+i)*IN_W+IN_W-1]}}, x[(g*GS+i)*IN_W +: IN_W]};
                half = sh > 0 ? (1 <<< (sh - 1)) : 0;
                r = (xe + half) >>> sh;
                if (r > hi) r = hi;
                if (r < lo) r = lo;
                q[(g*GS+i)*BITS +: BITS] = r[BITS-1:0];
            end
        end
    end
endmodule
`default_nettype wire
