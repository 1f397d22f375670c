// Test wrapper: ff_add with both operands on one stream (the generic stream bench drives
// s_data and reads m_data): s_data = {b, a}.
`default_nettype none
module tb_add2 #(
    parameter integer A_W   = 8,
    parameter integer B_W   = 8,
    parameter integer OUT_W = 9,
    parameter integer LANES = 1
) (
    input  wire                       clk,
    input  wire                       rst,
    input  wire [LANES*(A_W+B_W)-1:0] s_data,
    input  wire                       s_valid,
    output wire                       s_ready,
    output wire [LANES*OUT_W-1:0]     m_data,
    output wire                       m_valid,
    input  wire                       m_ready
);
    wire a_ready, b_ready;
    assign s_ready = a_ready && b_ready;
    ff_add #(.A_W(A_W), .B_W(B_W), .OUT_W(OUT_W), .LANES(LANES)) u (
        .clk(clk), .rst(rst),
        .a_data(s_data[LANES*A_W-1:0]), .a_valid(s_valid), .a_ready(a_ready),
        .b_data(s_data[LANES*(A_W+B_W)-1:LANES*A_W]), .b_valid(s_valid), .b_ready(b_ready),
        .m_data(m_data), .m_valid(m_valid), .m_ready(m_ready)
    );
endmodule
`default_nettype wire
