// Test wrapper: ff_causal_conv with its state beside the data on one stream (the generic
// stream bench drives s_data and reads m_data): s_data = {state, x}, m_data = {state', y}.
`default_nettype none
module tb_causal_conv #(
    parameter integer LANES     = 8,
    parameter integer BEATS     = 1,
    parameter integer K         = 4,
    parameter integer IN_W      = 16,
    parameter integer XQ_W      = 18,
    parameter integer OUT_W     = 24,
    parameter integer Q_W       = 8,
    parameter integer SH_W      = 8,
    parameter integer B_W       = 16,
    parameter integer ACT_BITS  = 8,
    parameter integer ACT_GROUP = 8,
    parameter integer ACT_SHIFT = 0,
    parameter integer SHIFT_C   = 0,
    parameter         Q_FILE    = "q.hex",
    parameter         SH_FILE   = "sh.hex",
    parameter         B_FILE    = "b.hex"
) (
    input  wire                                      clk,
    input  wire                                      rst,
    input  wire [LANES*((K-1)*XQ_W+IN_W)-1:0]        s_data,
    input  wire                                      s_valid,
    output wire                                      s_ready,
    output wire [LANES*((K-1)*XQ_W+OUT_W)-1:0]       m_data,
    output wire                                      m_valid,
    input  wire                                      m_ready
);
    ff_causal_conv #(
        .LANES(LANES), .BEATS(BEATS), .K(K), .IN_W(IN_W), .XQ_W(XQ_W), .OUT_W(OUT_W),
        .Q_W(Q_W), .SH_W(SH_W), .B_W(B_W), .ACT_BITS(ACT_BITS), .ACT_GROUP(ACT_GROUP),
        .ACT_SHIFT(ACT_SHIFT), .SHIFT_C(SHIFT_C), .Q_FILE(Q_FILE), .SH_FILE(SH_FILE),
        .B_FILE(B_FILE)
    ) u (
        .clk(clk), .rst(rst),
        .s_data(s_data[LANES*IN_W-1:0]), .s_state(s_data[LANES*((K-1)*XQ_W+IN_W)-1:LANES*IN_W]),
        .s_valid(s_valid), .s_ready(s_ready),
        .m_data(m_data[LANES*OUT_W-1:0]), .m_state(m_data[LANES*((K-1)*XQ_W+OUT_W)-1:LANES*OUT_W]),
        .m_valid(m_valid), .m_ready(m_ready)
    );
endmodule
`default_nettype wire
