// Test wrapper: ff_requant for every rounding x overflow mode (signed 6-bit out)
// plus the four overflow modes into an unsigned 5-bit output (RND_CONV).
`default_nettype none
module tb_requant (
    input  wire [19:0]        acc,
    input  wire signed [15:0] mult,
    input  wire signed [7:0]  shift,
    output wire [28*6-1:0]    q_s,
    output wire [4*5-1:0]     q_u
);
    genvar r, o;
    generate
        for (r = 0; r < 7; r = r + 1) begin : rnd
            for (o = 0; o < 4; o = o + 1) begin : ovf
                ff_requant #(.IN_W(20), .IN_SIGNED(1), .MULT_W(16), .SHIFT_W(8), .OUT_W(6), .OUT_SIGNED(1),
                             .ROUNDING(r), .OVERFLOW(o), .MAX_LSHIFT(4))
                    u (.acc(acc), .mult(mult), .shift(shift), .q(q_s[(r*4+o)*6 +: 6]));
            end
        end
        for (o = 0; o < 4; o = o + 1) begin : uns
            ff_requant #(.IN_W(20), .IN_SIGNED(1), .MULT_W(16), .SHIFT_W(8), .OUT_W(5), .OUT_SIGNED(0),
                         .ROUNDING(5), .OVERFLOW(o), .MAX_LSHIFT(4))
                u (.acc(acc), .mult(mult), .shift(shift), .q(q_u[o*5 +: 5]));
        end
    endgenerate
endmodule
`default_nettype wire
