// fpgaforge RTL library: clip (ReLU6, hard-tanh, any [LO, HI] bound) of LANES codes per
// beat by two comparators per lane: y = min(max(x, LO), HI) on W-bit codes (two's
// complement when SIGNED). The output keeps the input's type. One register stage.
`default_nettype none
module ff_clip #(
    parameter integer W      = 8,
    parameter integer SIGNED = 1,
    parameter integer LANES  = 1,
    parameter integer LO     = 0,
    parameter integer HI     = 127
) (
    input  wire               clk,
    input  wire               rst,
    input  wire [LANES*W-1:0] s_data,
    input  wire               s_valid,
    output wire               s_ready,
    output reg  [LANES*W-1:0] m_data,
    output reg                m_valid,
    input  wire               m_ready
);
    // bounds and lane codes compared as W+1-bit signed numbers (an unsigned code gets a 0)
    localparam signed [W:0] LO_C = LO[W:0];
    localparam signed [W:0] HI_C = HI[W:0];
    assign s_ready = !m_valid || m_ready;
    reg [LANES*W-1:0] y;
    integer l;
    reg signed [W:0] x;
    always @* begin
        for (l = 0; l < LANES; l = l + 1) begin
            x = {(SIGNED != 0) & s_data[l*W+W-1], s_data[l*W +: W]};
            if (x < LO_C) y[l*W +: W] = LO_C[W-1:0];
            else if (x > HI_C) y[l*W +: W] = HI_C[W-1:0];
            else y[l*W +: W] = x[W-1:0];
        end
    end
    always @(posedge clk) begin
        if (rst) m_valid <= 1'b0;
        else begin
            if (m_valid && m_ready) m_valid <= 1'b0;
            if (s_valid && s_ready) begin
                m_data <= y;
                m_valid <= 1'b1;
            end
        end
    end
endmodule
`default_nettype wire
