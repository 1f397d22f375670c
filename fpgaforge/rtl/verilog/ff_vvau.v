// fpgaforge RTL library: vector-vector activation unit (streaming depthwise convolution MAC).
// y[ch] = requant(relu(bias[ch] + sum_t x[t][ch] * w[ch][t])) for every output pixel, where
// x[t][ch] is kernel tap t of the input channel that output channel ch filters.
// PE output channels and SIMD kernel taps per cycle: for every output pixel the unit takes
// NF = CH/PE channel groups of SF = K/SIMD input beats, one beat per cycle with no input
// buffer (interval NF*SF cycles per pixel). A beat holds SIMD taps of PE lanes, element
// s*PE + p = tap s of lane p (ff_swu with DW_PE = PE emits this order, each input channel
// repeated for its filters). A group's result is registered one cycle after its last beat.
// Weights (word nf*SF + sf, element s*PE + p), biases and per-channel requant parameters
// (word nf, lane p) are ROMs loaded with $readmemh. Inputs and weights are signed or unsigned
// (IN_SIGNED, WT_SIGNED); products and sums are formed in ACC_W-bit signed arithmetic.
`default_nettype none
module ff_vvau #(
    parameter integer CH         = 4,
    parameter integer K          = 9,
    parameter integer PE         = 1,
    parameter integer SIMD       = 1,
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
    input  wire                     clk,
    input  wire                     rst,
    input  wire [PE*SIMD*IN_W-1:0]  s_data,
    input  wire                     s_valid,
    output wire                     s_ready,
    output reg  [PE*OUT_W-1:0]      m_data,
    output reg                      m_valid,
    input  wire                     m_ready
);
    localparam integer NF = CH / PE;
    localparam integer SF = K / SIMD;
    localparam integer NFB = NF > 1 ? $clog2(NF) : 1;
    localparam integer SFB = SF > 1 ? $clog2(SF) : 1;
    localparam integer AB = NF * SF > 1 ? $clog2(NF * SF) : 1;
    localparam integer RQ_W = MULT_W + SHIFT_W;
    localparam integer PROD_W = IN_W + WT_W + 2;
    localparam [SFB-1:0] SF_LAST = SF - 1;
    localparam [NFB-1:0] NF_LAST = NF - 1;

    reg [PE*SIMD*WT_W-1:0] wrom [0:NF*SF-1];
    reg [PE*ACC_W-1:0]     brom [0:NF-1];
    initial begin
        $readmemh(WEIGHT_FILE, wrom);
        $readmemh(BIAS_FILE, brom);
    end

    reg [NFB-1:0] nf;
    reg [SFB-1:0] sf;
    reg [AB-1:0] waddr;
    reg [PE*ACC_W-1:0] acc;

    wire last_sf = (sf == SF_LAST);
    wire out_ok = !last_sf || !m_valid || m_ready;
    assign s_ready = out_ok;
    wire step = s_valid && out_ok;

    wire [PE*SIMD*WT_W-1:0] w = wrom[waddr];
    wire [PE*ACC_W-1:0] bias = brom[nf];

    // per lane: the group's running sum plus this beat's SIMD tap products
    reg signed [ACC_W-1:0] sum [0:PE-1];
    reg signed [ACC_W-1:0] base;
    reg signed [IN_W:0] xv;
    reg signed [WT_W:0] wv;
    reg signed [PROD_W-1:0] pr;
    integer p, s;
    always @* begin
        for (p = 0; p < PE; p = p + 1) begin
            base = (sf == 0) ? $signed(bias[p*ACC_W +: ACC_W]) : $signed(acc[p*ACC_W +: ACC_W]);
            for (s = 0; s < SIMD; s = s + 1) begin
                xv = IN_SIGNED != 0 ? $signed({s_data[(s*PE+p)*IN_W+IN_W-1], s_data[(s*PE+p)*IN_W +: IN_W]})
                                    : $signed({1'b0, s_data[(s*PE+p)*IN_W +: IN_W]});
                wv = WT_SIGNED != 0 ? $signed({w[(s*PE+p)*WT_W+WT_W-1], w[(s*PE+p)*WT_W +: WT_W]})
                                    : $signed({1'b0, w[(s*PE+p)*WT_W +: WT_W]});
                pr = xv * wv;
                base = base + pr;
            end
            sum[p] = base;
        end
    end

    // epilogue per lane: ReLU on the accumulator, then requant (the requant ROM exists only
    // with RQ_EN; without it the accumulator passes through, OUT_W = ACC_W)
    wire [PE*ACC_W-1:0] ar;
    wire [PE*OUT_W-1:0] y;
    genvar g;
    generate
        for (g = 0; g < PE; g = g + 1) begin : lane
            wire signed [ACC_W-1:0] a = sum[g];
            assign ar[g*ACC_W +: ACC_W] = (RELU != 0 && a[ACC_W-1]) ? {ACC_W{1'b0}} : a;
        end
        if (RQ_EN != 0) begin : rq_on
            reg [PE*RQ_W-1:0] qrom [0:NF-1];
            initial $readmemh(RQ_FILE, qrom);
            wire [PE*RQ_W-1:0] rq = qrom[nf];
            for (g = 0; g < PE; g = g + 1) begin : lane
                ff_requant #(
                    .IN_W(ACC_W), .IN_SIGNED(1), .MULT_W(MULT_W), .SHIFT_W(SHIFT_W),
                    .OUT_W(OUT_W), .OUT_SIGNED(OUT_SIGNED), .ROUNDING(ROUNDING), .OVERFLOW(OVERFLOW)
                ) u_rq (
                    .acc(ar[g*ACC_W +: ACC_W]),
                    .mult(rq[g*RQ_W+SHIFT_W +: MULT_W]),
                    .shift(rq[g*RQ_W +: SHIFT_W]),
                    .q(y[g*OUT_W +: OUT_W])
                );
            end
        end else begin : rq_off
            for (g = 0; g < PE; g = g + 1) begin : lane
                assign y[g*OUT_W +: OUT_W] = ar[g*ACC_W +: OUT_W];
            end
        end
    endgenerate

    integer k;
    always @(posedge clk) begin
        if (rst) begin
            nf <= 0;
            sf <= 0;
            waddr <= 0;
            m_valid <= 1'b0;
            acc <= {PE*ACC_W{1'b0}};
        end else begin
            if (m_valid && m_ready) m_valid <= 1'b0;
            if (step) begin
                waddr <= (last_sf && nf == NF_LAST) ? {AB{1'b0}} : waddr + 1'b1;
                for (k = 0; k < PE; k = k + 1) acc[k*ACC_W +: ACC_W] <= sum[k];
                if (last_sf) begin
                    m_data <= y;
                    m_valid <= 1'b1;
                    sf <= 0;
                    nf <= (nf == NF_LAST) ? {NFB{1'b0}} : nf + 1'b1;
                end else begin
                    sf <= sf + 1'b1;
                end
            end
        end
    end
endmodule
`default_nettype wire
