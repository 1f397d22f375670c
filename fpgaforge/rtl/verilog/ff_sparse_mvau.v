// fpgaforge RTL library: N:M sparse matrix-vector activation unit (streaming MAC array).
// y[MH] = requant(relu(W[MH][MW] * x[MW] + bias)) for every input vector, where every group
// of M consecutive weights of a row (in input stream order) holds at most N non-zeros.
// The input stream and its double buffer are those of ff_mvau: SF = MW/SIMD beats of SIMD
// elements per vector, SIMD a multiple of M, so a beat holds SIMD/M whole groups. Each of
// the PE lanes has NZ = SIMD/M*N multipliers; multiplier j of a lane serves group j/N of
// the beat and takes the activation its stored index selects (an M:1 select of IN_W bits).
// The weight ROM holds the compressed rows (numerics/nm.py `compress`): per (PE fold, SIMD
// fold) one word of PE x NZ entries, lane-major, entry = {value (WT_W), index (IB)}, low
// entry first. One fold step per cycle: interval NF*SF cycles per vector, as ff_mvau.
// Products of different lanes take different activations, so no two share a DSP.
// WEIGHT_RAM and RQ_SHIFT_ONLY as in ff_mvau.
`default_nettype none
module ff_sparse_mvau #(
    parameter integer MH         = 4,
    parameter integer MW         = 8,
    parameter integer PE         = 1,
    parameter integer SIMD       = 4,
    parameter integer N          = 2,
    parameter integer M          = 4,
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
    localparam integer NZ = SIMD / M * N;
    localparam integer IB = M > 1 ? $clog2(M) : 1;
    localparam integer EW = WT_W + IB;
    localparam integer NFB = NF > 1 ? $clog2(NF) : 1;
    localparam integer SFB = SF > 1 ? $clog2(SF) : 1;
    localparam integer RQ_W = MULT_W + SHIFT_W;
    localparam [MULT_W-1:0] RQ_ONE = 1;
    localparam integer PROD_W = IN_W + WT_W;
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
    wire [PE*NZ*EW-1:0] w;
    ff_weight_rom #(
        .W(PE*NZ*EW), .DEPTH(NF*SF), .AB(AB), .PLACE(WEIGHT_RAM), .FILE(WEIGHT_FILE)
    ) u_wrom (
        .addr(waddr), .q(w)
    );
    wire [PE*ACC_W-1:0] bias = brom[nf];
    wire [PE*RQ_W-1:0] rq = qrom[nf];

    // products of this step: prod[p*NZ+j] = value[p][j] * x[group(j)*M + index[p][j]]
    reg signed [PROD_W-1:0] prod [0:PE*NZ-1];
    reg [IN_W-1:0] xs;
    reg signed [IN_W:0] xv;
    reg signed [WT_W-1:0] wv;
    reg [IB-1:0] wi;
    integer p, j, e;
    always @* begin
        for (p = 0; p < PE; p = p + 1) begin
            for (j = 0; j < NZ; j = j + 1) begin
                e = p * NZ + j;
                wi = w[e*EW +: IB];
                wv = $signed(w[e*EW+IB +: WT_W]);
                xs = x[((j / N) * M + wi) * IN_W +: IN_W];
                xv = IN_SIGNED != 0 ? $signed({xs[IN_W-1], xs}) : $signed({1'b0, xs});
                prod[e] = xv * wv;
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
            for (t = 0; t < NZ; t = t + 1) begin
                pr = prod[q*NZ+t];
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
