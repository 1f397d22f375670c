// Test wrapper: the streaming depthwise chain as the generator wires it,
// ff_fifo -> ff_swu (depthwise order) -> ff_vvau, with every parameter passed through.
`default_nettype none
module tb_vvau_chain #(
    parameter integer C          = 4,
    parameter integer M          = 1,
    parameter integer H          = 6,
    parameter integer W          = 6,
    parameter integer KH         = 3,
    parameter integer KW         = 3,
    parameter integer SH         = 1,
    parameter integer SW         = 1,
    parameter integer PT         = 1,
    parameter integer PL         = 1,
    parameter integer OH         = 6,
    parameter integer OW         = 6,
    parameter integer IN_N       = 1,
    parameter integer PE         = 1,
    parameter integer SIMD       = 1,
    parameter integer DEPTH      = 16,
    parameter integer IN_W       = 8,
    parameter integer IN_SIGNED  = 1,
    parameter integer WT_W       = 8,
    parameter integer WT_SIGNED  = 1,
    parameter integer ACC_W      = 24,
    parameter integer RELU       = 0,
    parameter integer RQ_EN      = 1,
    parameter integer MULT_W     = 16,
    parameter integer SHIFT_W    = 8,
    parameter integer OUT_W      = 8,
    parameter integer OUT_SIGNED = 1,
    parameter integer ROUNDING   = 1,
    parameter integer OVERFLOW   = 1,
    parameter        WEIGHT_FILE = "weights.hex",
    parameter        BIAS_FILE   = "bias.hex",
    parameter        RQ_FILE     = "rq.hex"
) (
    input  wire                   clk,
    input  wire                   rst,
    input  wire [IN_N*IN_W-1:0]   s_data,
    input  wire                   s_valid,
    output wire                   s_ready,
    output wire [PE*OUT_W-1:0]    m_data,
    output wire                   m_valid,
    input  wire                   m_ready
);
    wire [IN_N*IN_W-1:0] f_data;
    wire f_valid, f_ready;
    wire [PE*SIMD*IN_W-1:0] w_data;
    wire w_valid, w_ready;

    ff_fifo #(.W(IN_N * IN_W), .DEPTH(DEPTH)) u_fifo (
        .clk(clk), .rst(rst),
        .s_data(s_data), .s_valid(s_valid), .s_ready(s_ready),
        .m_data(f_data), .m_valid(f_valid), .m_ready(f_ready)
    );
    ff_swu #(
        .EW(IN_W), .C(C), .H(H), .W(W), .KH(KH), .KW(KW), .SH(SH), .SW(SW), .PT(PT), .PL(PL),
        .OH(OH), .OW(OW), .IN_N(IN_N), .SIMD(PE * SIMD), .DW_PE(PE), .DW_M(M)
    ) u_swu (
        .clk(clk), .rst(rst),
        .s_data(f_data), .s_valid(f_valid), .s_ready(f_ready),
        .m_data(w_data), .m_valid(w_valid), .m_ready(w_ready)
    );
    ff_vvau #(
        .CH(C * M), .K(KH * KW), .PE(PE), .SIMD(SIMD), .IN_W(IN_W), .IN_SIGNED(IN_SIGNED),
        .WT_W(WT_W), .WT_SIGNED(WT_SIGNED), .ACC_W(ACC_W), .RELU(RELU), .RQ_EN(RQ_EN),
        .MULT_W(MULT_W), .SHIFT_W(SHIFT_W), .OUT_W(OUT_W), .OUT_SIGNED(OUT_SIGNED),
        .ROUNDING(ROUNDING), .OVERFLOW(OVERFLOW),
        .WEIGHT_FILE(WEIGHT_FILE), .BIAS_FILE(BIAS_FILE), .RQ_FILE(RQ_FILE)
    ) u_vvau (
        .clk(clk), .rst(rst),
        .s_data(w_data), .s_valid(w_valid), .s_ready(w_ready),
        .m_data(m_data), .m_valid(m_valid), .m_ready(m_ready)
    );
endmodule
`default_nettype wire
