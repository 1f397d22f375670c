// fpgaforge RTL library: stand-alone element-wise stage on a channel-fastest stream,
// LANES elements per beat: optional ReLU, then (RQ_EN) requant with per-channel
// multiplier/shift from a ROM (RQ_FILE, one word of LANES x (MULT_W+SHIFT_W) bits per
// channel group). With RQ_EN = 0 the input is passed through (after the ReLU).
// One register stage.
`default_nettype none
module ff_rqstage #(
    parameter integer IN_W       = 24,
    parameter integer IN_SIGNED  = 1,
    parameter integer C          = 1,
    parameter integer LANES      = 1,
    parameter integer RELU       = 0,
    parameter integer RQ_EN      = 1,
    parameter integer MULT_W     = 16,
    parameter integer SHIFT_W    = 8,
    parameter integer OUT_W      = 8,
    parameter integer OUT_SIGNED = 1,
    parameter integer ROUNDING   = 1,
    parameter integer OVERFLOW   = 1,
    parameter        RQ_FILE     = "rq.hex"
) (
    input  wire                   clk,
    input  wire                   rst,
    input  wire [LANES*IN_W-1:0]  s_data,
    input  wire                   s_valid,
    output wire                   s_ready,
    output reg  [LANES*OUT_W-1:0] m_data,
    output reg                    m_valid,
    input  wire                   m_ready
);
    localparam integer CG = C / LANES;
    localparam integer RQ_W = MULT_W + SHIFT_W;
    reg [LANES*RQ_W-1:0] qrom [0:CG-1];
    generate
        if (RQ_EN != 0) begin : load
            initial $readmemh(RQ_FILE, qrom);
        end
    endgenerate
    integer cg;
    wire [LANES*RQ_W-1:0] rq = qrom[cg];
    assign s_ready = !m_valid || m_ready;
    wire [LANES*OUT_W-1:0] y;
    genvar g;
    generate
        for (g = 0; g < LANES; g = g + 1) begin : lane
            wire [IN_W-1:0] a = s_data[g*IN_W +: IN_W];
            wire neg = IN_SIGNED != 0 && a[IN_W-1];
            wire [IN_W-1:0] ar = (RELU != 0 && neg) ? {IN_W{1'b0}} : a;
            if (RQ_EN != 0) begin : rq_on
                ff_requant #(
                    .IN_W(IN_W), .IN_SIGNED(IN_SIGNED), .MULT_W(MULT_W), .SHIFT_W(SHIFT_W),
                    .OUT_W(OUT_W), .OUT_SIGNED(OUT_SIGNED), .ROUNDING(ROUNDING), .OVERFLOW(OVERFLOW)
                ) u_rq (
                    .acc(ar),
                    .mult(rq[g*RQ_W+SHIFT_W +: MULT_W]),
                    .shift(rq[g*RQ_W +: SHIFT_W]),
                    .q(y[g*OUT_W +: OUT_W])
                );
            end else begin : rq_off
                assign y[g*OUT_W +: OUT_W] = ar[OUT_W-1:0];
            end
        end
    endgenerate
    always @(posedge clk) begin
        if (rst) begin
            m_valid <= 1'b0;
            cg <= 0;
        end else begin
            if (m_valid && m_ready) m_valid <= 1'b0;
            if (s_valid && s_ready) begin
                m_data <= y;
                m_valid <= 1'b1;
                cg <= (cg == CG - 1) ? 0 : cg + 1;
            end
        end
    end
endmodule
`default_nettype wire
