// fpgaforge RTL library: element-wise add of two aligned streams (LANES per beat),
// result OUT_W bits (wide enough for the exact sum), optional ReLU; one register stage.
`default_nettype none
module ff_add #(
    parameter integer A_W       = 8,
    parameter integer B_W       = 8,
    parameter integer A_SIGNED  = 1,
    parameter integer B_SIGNED  = 1,
    parameter integer OUT_W     = 9,
    parameter integer A_SHIFT   = 0,
    parameter integer B_SHIFT   = 0,
    parameter integer LANES     = 1,
    parameter integer RELU      = 0
) (
    input  wire                   clk,
    input  wire                   rst,
    input  wire [LANES*A_W-1:0]   a_data,
    input  wire                   a_valid,
    output wire                   a_ready,
    input  wire [LANES*B_W-1:0]   b_data,
    input  wire                   b_valid,
    output wire                   b_ready,
    output reg  [LANES*OUT_W-1:0] m_data,
    output reg                    m_valid,
    input  wire                   m_ready
);
    wire out_ok = !m_valid || m_ready;
    wire fire = a_valid && b_valid && out_ok;
    assign a_ready = b_valid && out_ok;
    assign b_ready = a_valid && out_ok;
    reg [LANES*OUT_W-1:0] y;
    reg signed [OUT_W:0] av, bv, sv;
    integer l;
    always @* begin
        for (l = 0; l < LANES; l = l + 1) begin
            av = A_SIGNED != 0 ? $signed({{(OUT_W+1-A_W){a_data[l*A_W+A_W-1]}}, a_data[l*A_W +: A_W]})
                               : $signed({{(OUT_W+1-A_W){1'b0}}, a_data[l*A_W +: A_W]});
            bv = B_SIGNED != 0 ? $signed({{(OUT_W+1-B_W){b_data[l*B_W+B_W-1]}}, b_data[l*B_W +: B_W]})
                               : $signed({{(OUT_W+1-B_W){1'b0}}, b_data[l*B_W +: B_W]});
            sv = (av <<< A_SHIFT) + (bv <<< B_SHIFT);
            if (RELU != 0 && sv[OUT_W]) sv = 0;
            y[l*OUT_W +: OUT_W] = sv[OUT_W-1:0];
        end
    end
    always @(posedge clk) begin
        if (rst) m_valid <= 1'b0;
        else begin
            if (m_valid && m_ready) m_valid <= 1'b0;
            if (fire) begin
                m_data <= y;
                m_valid <= 1'b1;
            end
        end
    end
endmodule
`default_nettype wire
