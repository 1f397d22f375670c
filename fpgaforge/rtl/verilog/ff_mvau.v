// fpgaforge RTL library: matrix-vector activation unit (streaming dense / conv MAC array).
// y[MH] = requant(relu(W[MH][MW] * x[MW] + bias)) for every input vector.
// PE output rows and SIMD input lanes per cycle; the fold loop runs
// NF = MH/PE times SF = MW/SIMD steps per vector (one step per cycle). Input
// vectors (SF beats of SIMD elements) are loaded into a double buffer, so the next
// vector loads while the current one is computed: interval = NF*SF cycles per vector.
// Each PE lane emits its result after the last step of its row group.
// Weights, biases and per-channel requant parameters are ROMs loaded with $readmemh.
// WEIGHT_RAM places the weight ROM (ff_weight_rom): 1 block RAM, 2 LUTs (logic; above 32 words an ff_rom,
// a module synthesis keeps: one LUT6 per bit per 64 words), 0 the tool's choice
// (the generator sets it from the schedule's placement, so synthesis builds what was costed).
// RQ_SHIFT_ONLY = 1: every requant multiplier is 1 (power-of-two scales), so the requant
// multiplies by a constant 1 (a shift, no multiplier) instead of the table's value.
// DSP_PACK = 1 (DSP48E2, PE >= 2, WT_W <= 8, IN_W + WT_W <= 18): the two products of PE
// lanes 2q and 2q+1 that share the activation x of a SIMD lane come from one 27 x 18
// multiply (Xilinx WP487): P = (w_hi * 2^18 + w_lo) * x. The low product is P's low bits
// (it fits 18 signed bits), the high one is P >>> 18 plus the borrow of the low part
// (bit 17: the low product is negative). With odd PE the last lane multiplies alone.
`default_nettype none
module ff_mvau #(
    parameter integer MH         = 4,
    parameter integer MW         = 4,
    parameter integer PE         = 1,
    parameter integer SIMD       = 1,
    parameter integer IN_W       = 8,
    parameter integer IN_SIGNED  = 1,
    parameter integer WT_W       = 8,
    parameter integer ACC_W      = 24,
    parameter integer RELU       = 0,
    parameter integer RQ_EN      = 1,
    parameter integer MULT_W     = 16,
    parameter integer SHIFT_W    = 8,
    parameter integer OUT_W      = 8,
    parameter integer OUT_SIGNED = 1,
    parameter integer ROUNDING   = 1,
    parameter integer OVERFLOW   = 1,
    parameter integer DSP_PACK   = 0,
    parameter integer WEIGHT_RAM = 0,
    parameter integer RQ_SHIFT_ONLY = 0,
    parameter        WEIGHT_FILE = "weights.hex",
    parameter        BIAS_FILE   = "bias.hex",
    parameter        RQ_FILE     = "rq.hex"
) (
    input  wire                   clk,
    input  wire                   rst,
    input  wire [SIMD*IN_W-1:0]   s_data,
    input  wire                   s_valid,
    output wire                   s_ready,
    output reg  [PE*OUT_W-1:0]    m_data,
    output reg                    m_valid,
    input  wire                   m_ready
);
    localparam integer NF = MH / PE;
    localparam integer SF = MW / SIMD;
    localparam integer NFB = NF > 1 ? $clog2(NF) : 1;
    localparam integer SFB = SF > 1 ? $clog2(SF) : 1;
    localparam integer RQ_W = MULT_W + SHIFT_W;
    localparam [MULT_W-1:0] RQ_ONE = 1;
    // a product of IN_W-bit x (signed or not) and WT_W-bit signed w fits IN_W + WT_W bits
    // signed; with that width yosys keeps <= 4-bit products (8-bit results) in LUTs
    localparam integer PROD_W = IN_W + WT_W;
    localparam integer PACK = (DSP_PACK != 0 && PE >= 2 && WT_W <= 8 && PROD_W <= 18) ? 1 : 0;
    localparam integer NPACK = PACK != 0 ? PE / 2 * 2 : 0;  // lanes computed in pairs
    // the packed product: 27-bit A times (IN_W+1)-bit x (wide enough for the unused branch too)
    localparam integer PP_W = PROD_W + 18 > IN_W + 28 ? PROD_W + 18 : IN_W + 28;
    localparam integer AB = NF * SF > 1 ? $clog2(NF * SF) : 1;
    localparam [SFB-1:0] SF_LAST = SF - 1;
    localparam [NFB-1:0] NF_LAST = NF - 1;

    reg [PE*ACC_W-1:0]     brom [0:NF-1];
    reg [PE*RQ_W-1:0]      qrom [0:NF-1];
    initial begin
        $readmemh(BIAS_FILE, brom);
        $readmemh(RQ_FILE, qrom);
    end

    reg [SIMD*IN_W-1:0] ibuf [0:(2<<SFB)-1];
    reg [1:0] full;
    reg wsel, rsel;
    reg [SFB-1:0] wsf;
    reg [NFB-1:0] nf;
    reg [SFB-1:0] sf;
    reg [AB-1:0] waddr;
    reg [PE*ACC_W-1:0] acc;

    wire last_sf = (sf == SF_LAST);
    wire out_ok = !last_sf || !m_valid || m_ready;
    wire step = full[rsel] && out_ok;
    assign s_ready = !full[wsel];
    wire load = s_valid && s_ready;
    wire load_done = load && (wsf == SF_LAST);
    wire vec_done = step && last_sf && (nf == NF_LAST);

    wire [SIMD*IN_W-1:0] x = ibuf[{rsel, sf}];
    wire [PE*SIMD*WT_W-1:0] w;
    ff_weight_rom #(
        .W(PE*SIMD*WT_W), .DEPTH(NF*SF), .AB(AB), .PLACE(WEIGHT_RAM), .FILE(WEIGHT_FILE)
    ) u_wrom (
        .addr(waddr), .q(w)
    );
    wire [PE*ACC_W-1:0] bias = brom[nf];
    wire [PE*RQ_W-1:0] rq = qrom[nf];

    // products of this step: prod[p*SIMD+s] = w[p][s] * x[s]
    reg signed [PROD_W-1:0] prod [0:PE*SIMD-1];
    reg signed [IN_W:0] xv;
    reg signed [WT_W-1:0] wv, wh;
    reg signed [26:0] pa;
    // Waiver: the packed product is wider than the two products read from it.
    /* verilator lint_off UNUSEDSIGNAL */
    reg signed [PP_W-1:0] pp;
    /* verilator lint_on UNUSEDSIGNAL */
    integer p, s;
    always @* begin
        pa = 27'sd0;
        pp = {PP_W{1'b0}};
        wh = {WT_W{1'b0}};
        for (s = 0; s < SIMD; s = s + 1) begin
            xv = IN_SIGNED != 0 ? $signed({x[s*IN_W+IN_W-1], x[s*IN_W +: IN_W]})
                                : $signed({1'b0, x[s*IN_W +: IN_W]});
            for (p = 0; p < PE; p = p + 1) begin
                wv = $signed(w[(p*SIMD+s)*WT_W +: WT_W]);
                if (p < NPACK) begin
                    if (p % 2 == 0) begin
                        wh = $signed(w[((p+1)*SIMD+s)*WT_W +: WT_W]);
                        pa = $signed({wh, 18'b0}) + wv;
                        pp = pa * xv;
                        prod[p*SIMD+s] = pp[PROD_W-1:0];
                        prod[(p+1)*SIMD+s] = pp[PROD_W+17:18] + {{(PROD_W-1){1'b0}}, pp[17]};
                    end
                end else begin
                    prod[p*SIMD+s] = xv * wv;
                end
            end
        end
    end

    // dot products of this step, one per PE lane
    reg signed [ACC_W-1:0] sum [0:PE-1];
    reg signed [ACC_W-1:0] base;
    reg signed [PROD_W-1:0] pr;
    integer q, t;
    always @* begin
        for (q = 0; q < PE; q = q + 1) begin
            base = (sf == 0) ? $signed(bias[q*ACC_W +: ACC_W]) : $signed(acc[q*ACC_W +: ACC_W]);
            for (t = 0; t < SIMD; t = t + 1) begin
                pr = prod[q*SIMD+t];
                base = base + {{(ACC_W > PROD_W ? ACC_W-PROD_W : 0){pr[PROD_W-1]}}, pr[PROD_W-1:0]};
            end
            sum[q] = base;
        end
    end

    // epilogue per lane: ReLU on the accumulator, then requant
    wire [PE*OUT_W-1:0] y;
    genvar g;
    generate
        for (g = 0; g < PE; g = g + 1) begin : lane
            wire signed [ACC_W-1:0] a = sum[g];
            wire [ACC_W-1:0] ar = (RELU != 0 && a[ACC_W-1]) ? {ACC_W{1'b0}} : a;
            if (RQ_EN != 0) begin : rq_on
                ff_requant #(
                    .IN_W(ACC_W), .IN_SIGNED(1), .MULT_W(MULT_W), .SHIFT_W(SHIFT_W),
                    .OUT_W(OUT_W), .OUT_SIGNED(OUT_SIGNED), .ROUNDING(ROUNDING), .OVERFLOW(OVERFLOW)
                ) u_rq (
                    .acc(ar),
                    .mult(RQ_SHIFT_ONLY != 0 ? RQ_ONE : rq[g*RQ_W+SHIFT_W +: MULT_W]),
                    .shift(rq[g*RQ_W +: SHIFT_W]),
                    .q(y[g*OUT_W +: OUT_W])
                );
            end else begin : rq_off
                assign y[g*OUT_W +: OUT_W] = ar[OUT_W-1:0];
            end
        end
    endgenerate

    integer k;
    always @(posedge clk) begin
        if (rst) begin
            nf <= 0;
            sf <= 0;
            waddr <= 0;
            wsf <= 0;
            wsel <= 1'b0;
            rsel <= 1'b0;
            full <= 2'b00;
            m_valid <= 1'b0;
            acc <= {PE*ACC_W{1'b0}};
        end else begin
            if (m_valid && m_ready) m_valid <= 1'b0;
            if (load) begin
                ibuf[{wsel, wsf}] <= s_data;
                wsf <= load_done ? {SFB{1'b0}} : wsf + 1'b1;
                if (load_done) wsel <= ~wsel;
            end
            full <= (full | (load_done ? (wsel ? 2'b10 : 2'b01) : 2'b00))
                  & ~(vec_done ? (rsel ? 2'b10 : 2'b01) : 2'b00);
            if (vec_done) rsel <= ~rsel;
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
