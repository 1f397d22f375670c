// ff_pot_quant bench wrapper: one word of 16 codes through four quantizers (4 and 8 bits
// in groups of 8, static shifts 3 and -1).
`default_nettype none
module tb_pot_quant (
    input  wire [16*32-1:0] x,
    output wire [16*4-1:0]  q4,
    output wire [2*4-1:0]   s4,
    output wire [16*8-1:0]  q8,
    output wire [2*4-1:0]   s8,
    output wire [16*4-1:0]  qs,
    output wire [3:0]       ss,
    output wire [16*8-1:0]  qn,
    output wire [3:0]       sn
);
    ff_pot_quant #(.IN_W(32), .BITS(4), .N(16), .GROUP(8)) u4 (.x(x), .q(q4), .s(s4));
    ff_pot_quant #(.IN_W(32), .BITS(8), .N(16), .GROUP(8)) u8 (.x(x), .q(q8), .s(s8));
    ff_pot_quant #(.IN_W(32), .BITS(4), .N(16), .GROUP(0), .SHIFT(3)) us (.x(x), .q(qs), .s(ss));
    ff_pot_quant #(.IN_W(32), .BITS(8), .N(16), .GROUP(0), .SHIFT(-1)) un (.x(x), .q(qn), .s(sn));
endmodule
`default_nettype wire
