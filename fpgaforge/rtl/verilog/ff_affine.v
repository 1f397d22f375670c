// fpgaforge RTL library: element-wise x * scale + bias of an activation and a constant, on a
// stream of LANES elements per beat. The constants come from two ROMs of P beats each
// (SCALE_FILE: LANES x S_W bits per word, BIAS_FILE: LANES x B_W bits per word, lane 0 in the
// low bits) read in stream order and repeated every P beats: P = 1 for a scalar, the channel
// groups for a per-channel constant, the whole frame for a per-element tensor (a position
// embedding). MUL = 0 skips the multiplier (an Add or Sub of a constant: one register stage);
// MUL = 1 registers the products first (two stages). The result keeps the low OUT_W bits of
// the exact sum (the quantizer's output type holds it).
`default_nettype none
module ff_affine #(
    parameter integer IN_W      = 8,
    parameter integer IN_SIGNED = 1,
    parameter integer LANES     = 1,
    parameter integer P         = 1,
    parameter integer MUL       = 1,
    parameter integer S_W       = 8,
    parameter integer B_W       = 8,
    parameter integer OUT_W     = 16,
    parameter        SCALE_FILE = "scale.hex",
    parameter        BIAS_FILE  = "bias.hex"
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
    // two's complement sums and products modulo 2^OUT_W: their low OUT_W bits are exact
    localparam integer WIDE = OUT_W;
    reg [LANES*B_W-1:0] brom [0:P-1];
    initial $readmemh(BIAS_FILE, brom);
    integer pos;
    wire en = !m_valid || m_ready;  // the whole pipeline advances when the output can
    assign s_ready = en;
    wire [LANES*B_W-1:0] bias_now = brom[pos];
    // the term each lane adds its bias to: x, or x * scale (registered when MUL)
    wire [LANES*WIDE-1:0] term;
    wire [LANES*B_W-1:0] bias;
    wire                 v_in;
    genvar g;
    generate
        if (MUL == 0) begin : pass
            for (g = 0; g < LANES; g = g + 1) begin : lane
                wire [IN_W-1:0] a = s_data[g*IN_W +: IN_W];
                wire signed [IN_W:0] ax = {IN_SIGNED != 0 ? a[IN_W-1] : 1'b0, a};
                wire signed [WIDE-1:0] t = ax;
                assign term[g*WIDE +: WIDE] = t;
            end
        end
        if (MUL != 0) begin : mul
            reg [LANES*S_W-1:0] srom [0:P-1];
            initial $readmemh(SCALE_FILE, srom);
            wire [LANES*S_W-1:0] scale_now = srom[pos];
            reg [LANES*WIDE-1:0] prod;
            reg [LANES*B_W-1:0]  bias_r;
            reg                  v1;
            wire [LANES*WIDE-1:0] prod_d;
            for (g = 0; g < LANES; g = g + 1) begin : lane
                wire [IN_W-1:0] a = s_data[g*IN_W +: IN_W];
                wire signed [IN_W:0] ax = {IN_SIGNED != 0 ? a[IN_W-1] : 1'b0, a};
                wire signed [S_W-1:0] sc = scale_now[g*S_W +: S_W];
                wire signed [WIDE-1:0] p = ax * sc;
                assign prod_d[g*WIDE +: WIDE] = p;
            end
            always @(posedge clk) begin
                if (rst) begin
                    v1 <= 1'b0;
                end else if (en) begin
                    v1 <= s_valid;
                    prod <= prod_d;
                    bias_r <= bias_now;
                end
            end
            assign term = prod;
            assign bias = bias_r;
            assign v_in = v1;
        end else begin : add
            assign bias = bias_now;
            assign v_in = s_valid;
        end
    endgenerate
    wire [LANES*OUT_W-1:0] y;
    generate
        for (g = 0; g < LANES; g = g + 1) begin : sum
            wire signed [WIDE-1:0] t = term[g*WIDE +: WIDE];
            wire signed [B_W-1:0] b = bias[g*B_W +: B_W];
            wire signed [WIDE-1:0] s = t + b;
            assign y[g*OUT_W +: OUT_W] = s;
        end
    endgenerate
    always @(posedge clk) begin
        if (rst) begin
            m_valid <= 1'b0;
            pos <= 0;
        end else begin
            if (en) begin
                m_valid <= v_in;
                m_data <= y;
            end
            if (s_valid && en) pos <= (pos == P - 1) ? 0 : pos + 1;
        end
    end
endmodule
`default_nettype wire
