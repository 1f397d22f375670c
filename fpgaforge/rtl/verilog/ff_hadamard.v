// fpgaforge RTL library: Hadamard transform y = H_N x of integer codes, N = K * P with
// P = 2^KB and K in {1, 12, 20, 28}: H_N = H_K (x) H_P (the Hadamard op with
// normalized = 0; fpgaforge.numerics.hadamard). No multipliers: add/subtract only.
//
// One vector of N values sits in a register array X (N words of W = IN_W + KB + clog2(K)
// bits, wide enough for the exact result). Per vector:
//   load   N / (2 LANES) cycles: 2 LANES input values a beat shift into X.
//   stages KB x N / (2 LANES) cycles: LANES butterflies a cycle on the head of X,
//          y[i] = x[2i] + x[2i+1], y[i + P/2] = x[2i] - x[2i+1] within each block of P
//          (KB of these constant-geometry stages give H_P in natural order); the sums and
//          differences of a block gather in two shift registers S, D of P/2 words and
//          return to X's tail when the block is done.
//   output N / KL cycles: KL outputs a beat, y[i][t] = sum_j H_K[i][j] z[j][t] for rows
//          i = 0..K-1 (the signs from the K x K ROM H_FILE: one K-bit hex word per row, bit
//          j set where H_K[i][j] = -1), as sum_j (z ^ -neg_j) + #neg; every block of X
//          rotates by KL words a cycle, so the taps are fixed. K = 1: the outputs are X.
// A vector therefore takes (KB + 1) * N / (2 LANES) + N / KL cycles; the output register
// adds one cycle of latency. LANES divides P / 2 and KL divides P.
`default_nettype none
module ff_hadamard #(
    parameter integer N      = 64,
    parameter integer K      = 1,
    parameter integer LANES  = 2,
    parameter integer KL     = 4,
    parameter integer IN_W   = 16,
    parameter         H_FILE = ""
) (
    input  wire                                                         clk,
    input  wire                                                         rst,
    input  wire                                                         s_valid,
    output wire                                                         s_ready,
    input  wire [2*LANES*IN_W-1:0]                                      s_data,
    output reg                                                          m_valid,
    input  wire                                                         m_ready,
    output reg  [KL*(IN_W+$clog2(N/K)+(K > 1 ? $clog2(K) : 0))-1:0]     m_data
);
    localparam integer P = N / K;
    localparam integer KB = $clog2(P);
    localparam integer W = IN_W + KB + (K > 1 ? $clog2(K) : 0);
    localparam integer L2 = 2 * LANES;
    localparam integer HP = P / 2;
    localparam integer CYC = N / L2;
    localparam integer BLK = P / L2;
    localparam integer OCY = P / KL;
    localparam integer CB = CYC > 1 ? $clog2(CYC) : 1;
    localparam integer BB = BLK > 1 ? $clog2(BLK) : 1;
    localparam integer SB = KB > 1 ? $clog2(KB) : 1;
    localparam integer OB = OCY > 1 ? $clog2(OCY) : 1;
    localparam integer RB = K > 1 ? $clog2(K) : 1;
    localparam [1:0] LOAD = 2'd0, STAGE = 2'd1, OUT = 2'd2;

    reg [1:0] phase;
    reg [CB-1:0] cnt;
    reg [BB-1:0] bc;
    reg [SB-1:0] st;
    reg [OB-1:0] oc;
    reg [RB-1:0] row;
    reg [N*W-1:0] X;
    reg [HP*W-1:0] S, D;

    wire [K-1:0] hrow;
    generate
        if (K > 1) begin : g_rom
            reg [K-1:0] hrom [0:K-1];
            initial $readmemh(H_FILE, hrom);
            assign hrow = hrom[row];
        end else begin : g_one
            assign hrow = {K{1'b0}};
        end
    endgenerate

    wire stall = m_valid & ~m_ready;
    assign s_ready = phase == LOAD;
    wire take = s_valid & (phase == LOAD);
    wire step = phase == STAGE;
    wire emit = (phase == OUT) & ~stall;

    // ---- butterflies on the head of X, S/D shift registers, the next X ------------------
    reg [LANES*W-1:0] sums, difs;
    reg [HP*W-1:0] s_next, d_next, sums_w, difs_w;
    reg [N*W-1:0] tail;
    reg [N*W-1:0] x_shift, x_rot;
    reg [P*W-1:0] blkv;
    reg signed [W-1:0] a, b;
    integer u, j;
    always @* begin
        for (u = 0; u < LANES; u = u + 1) begin
            a = X[(2*u)*W +: W];
            b = X[(2*u+1)*W +: W];
            sums[u*W +: W] = a + b;
            difs[u*W +: W] = a - b;
        end
        sums_w = {HP*W{1'b0}};
        difs_w = {HP*W{1'b0}};
        sums_w[LANES*W-1:0] = sums;
        difs_w[LANES*W-1:0] = difs;
        s_next = (S >> (LANES*W)) | (sums_w << ((HP-LANES)*W));
        d_next = (D >> (LANES*W)) | (difs_w << ((HP-LANES)*W));
        tail = {N*W{1'b0}};
        for (u = 0; u < L2; u = u + 1) begin
            tail[u*W +: W] = {{(W-IN_W){s_data[u*IN_W+IN_W-1]}}, s_data[u*IN_W +: IN_W]};
        end
        x_shift = (X >> (L2*W)) | (tail << ((N-L2)*W));
        if (step && bc == BLK - 1) x_shift[(N-P)*W +: P*W] = {d_next, s_next};
        for (j = 0; j < K; j = j + 1) begin
            blkv = X[j*P*W +: P*W];
            x_rot[j*P*W +: P*W] = (blkv >> (KL*W)) | (blkv << ((P-KL)*W));
        end
    end

    // ---- the K x K stage: KL outputs of row `row` ----------------------------------------
    reg [KL*W-1:0] y_c;
    reg [W-1:0] acc;
    reg [RB:0] nneg;
    always @* begin
        nneg = {(RB+1){1'b0}};
        for (j = 0; j < K; j = j + 1) nneg = nneg + hrow[j];
        for (u = 0; u < KL; u = u + 1) begin
            acc = {{(W-RB-1){1'b0}}, nneg};
            for (j = 0; j < K; j = j + 1) acc = acc + (X[(j*P+u)*W +: W] ^ {W{hrow[j]}});
            y_c[u*W +: W] = acc;
        end
    end

    // ---- control --------------------------------------------------------------------------
    always @(posedge clk) begin
        if (rst) begin
            phase <= LOAD;
            cnt <= 0;
            bc <= 0;
            st <= 0;
            oc <= 0;
            row <= 0;
            m_valid <= 1'b0;
        end else begin
            if (~stall) m_valid <= emit;
            if (emit) m_data <= y_c;
            if (take | step) begin
                X <= x_shift;
                cnt <= cnt == CYC - 1 ? {CB{1'b0}} : cnt + 1'b1;
            end
            if (take && cnt == CYC - 1) phase <= STAGE;
            if (step) begin
                S <= s_next;
                D <= d_next;
                bc <= bc == BLK - 1 ? {BB{1'b0}} : bc + 1'b1;
                if (cnt == CYC - 1) begin
                    st <= st == KB - 1 ? {SB{1'b0}} : st + 1'b1;
                    if (st == KB - 1) phase <= OUT;
                end
            end
            if (emit) begin
                X <= x_rot;
                oc <= oc == OCY - 1 ? {OB{1'b0}} : oc + 1'b1;
                if (oc == OCY - 1) begin
                    row <= row == K - 1 ? {RB{1'b0}} : row + 1'b1;
                    if (row == K - 1) phase <= LOAD;
                end
            end
        end
    end
endmodule
`default_nettype wire
