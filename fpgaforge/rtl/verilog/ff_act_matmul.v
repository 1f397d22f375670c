// fpgaforge RTL library: MatMul of two activation streams (attention's Q.K^T and A.V),
// bit-exact with the MatMul op's integer semantics (and the HLS kernel ff::act_matmul):
//
//   out[j] = sum_{k < K} a[A_BASE[j] + k*A_STEP] * b[B_BASE[j] + k*B_STEP]
//
// over the NA codes of `a` and the NB codes of `b` of one inference, each in its stream
// order; j runs over the OUT outputs in the output's stream order, and the base tables
// (ROM images written by the generator from the stream layouts) cover any batch of
// matrices (heads) and the channel-last order of rank-4 tensors. One lane per stream.
// Two buffers per operand: both operands of one inference load at once (max(NA, NB)
// cycles at full input rate) while the previous inference computes, one product per
// cycle (OUT*K cycles): an interval of max(max(NA, NB), OUT*K) cycles; output j leaves
// K cycles after the previous one (the first one K cycles after the last input).
`default_nettype none
module ff_act_matmul #(
    parameter integer A_W      = 8,
    parameter integer A_SIGNED = 1,
    parameter integer B_W      = 8,
    parameter integer B_SIGNED = 1,
    parameter integer ACC_W    = 20,
    parameter integer NA       = 16,
    parameter integer NB       = 16,
    parameter integer OUT      = 16,
    parameter integer K        = 4,
    parameter integer A_STEP   = 1,
    parameter integer B_STEP   = 4,
    parameter        A_BASE_FILE = "a_base.hex",
    parameter        B_BASE_FILE = "b_base.hex"
) (
    input  wire              clk,
    input  wire              rst,
    input  wire [A_W-1:0]    a_data,
    input  wire              a_valid,
    output wire              a_ready,
    input  wire [B_W-1:0]    b_data,
    input  wire              b_valid,
    output wire              b_ready,
    output reg  [ACC_W-1:0]  m_data,
    output reg               m_valid,
    input  wire              m_ready
);
    localparam integer AW = NA > 1 ? $clog2(NA) : 1;
    localparam integer BW = NB > 1 ? $clog2(NB) : 1;
    localparam integer JW = OUT > 1 ? $clog2(OUT) : 1;
    localparam integer KW = K > 1 ? $clog2(K) : 1;
    localparam integer PW = A_W + B_W + 1;                // any signed x unsigned product
    localparam integer IW = ACC_W > PW ? ACC_W : PW;
    localparam [AW:0] A_LAST = NA - 1;
    localparam [BW:0] B_LAST = NB - 1;
    localparam [JW-1:0] J_LAST = OUT - 1;
    localparam [KW-1:0] K_LAST = K - 1;

    reg [A_W-1:0] abuf [0:(2 << AW) - 1];  // two banks of 2**AW words, {bank, index}
    reg [B_W-1:0] bbuf [0:(2 << BW) - 1];
    reg [AW-1:0] a_base [0:OUT-1];
    reg [BW-1:0] b_base [0:OUT-1];
    initial begin
        $readmemh(A_BASE_FILE, a_base);
        $readmemh(B_BASE_FILE, b_base);
    end

    // ---- load: both operands of one inference into bank `lbank` -----------------------
    reg lbank;
    reg [1:0] full;
    reg [AW:0] a_cnt;
    reg [BW:0] b_cnt;
    wire a_full = a_cnt == NA;
    wire b_full = b_cnt == NB;
    assign a_ready = !full[lbank] && !a_full;
    assign b_ready = !full[lbank] && !b_full;
    wire a_load = a_valid && a_ready;
    wire b_load = b_valid && b_ready;
    wire loaded = (a_full || (a_load && a_cnt == A_LAST)) && (b_full || (b_load && b_cnt == B_LAST));

    // ---- compute: bank `cbank`, one product per cycle ---------------------------------
    reg cbank;
    reg [JW-1:0] j;
    reg [KW-1:0] k;
    reg [AW-1:0] a_off;
    reg [BW-1:0] b_off;
    reg signed [IW-1:0] acc;

    wire [AW-1:0] a_addr = a_base[j] + a_off;
    wire [BW-1:0] b_addr = b_base[j] + b_off;
    wire [A_W-1:0] ak = abuf[{cbank, a_addr}];
    wire [B_W-1:0] bk = bbuf[{cbank, b_addr}];
    wire signed [PW-1:0] a_ext = A_SIGNED ? {{(PW-A_W){ak[A_W-1]}}, ak} : {{(PW-A_W){1'b0}}, ak};
    wire signed [PW-1:0] b_ext = B_SIGNED ? {{(PW-B_W){bk[B_W-1]}}, bk} : {{(PW-B_W){1'b0}}, bk};
    wire signed [PW-1:0] product = a_ext * b_ext;
    wire signed [IW-1:0] product_ext = product;
    wire signed [IW-1:0] sum = (k == 0 ? {IW{1'b0}} : acc) + product_ext;
    wire last_k = k == K_LAST;
    wire emit = !m_valid || m_ready;
    wire advance = full[cbank] && (!last_k || emit);
    wire release_bank = advance && last_k && j == J_LAST;

    always @(posedge clk) begin
        if (a_load) abuf[{lbank, a_cnt[AW-1:0]}] <= a_data;
        if (b_load) bbuf[{lbank, b_cnt[BW-1:0]}] <= b_data;
    end

    always @(posedge clk) begin
        if (rst) begin
            lbank <= 1'b0;
            cbank <= 1'b0;
            full <= 2'b00;
            a_cnt <= {(AW+1){1'b0}};
            b_cnt <= {(BW+1){1'b0}};
            j <= {JW{1'b0}};
            k <= {KW{1'b0}};
            a_off <= {AW{1'b0}};
            b_off <= {BW{1'b0}};
            m_valid <= 1'b0;
        end else begin
            if (m_valid && m_ready) m_valid <= 1'b0;
            if (!full[lbank] && loaded) begin
                a_cnt <= {(AW+1){1'b0}};
                b_cnt <= {(BW+1){1'b0}};
                lbank <= !lbank;
            end else begin
                if (a_load) a_cnt <= a_cnt + 1'b1;
                if (b_load) b_cnt <= b_cnt + 1'b1;
            end
            full[0] <= (full[0] && !(release_bank && !cbank))
                    || (!full[lbank] && loaded && !lbank);
            full[1] <= (full[1] && !(release_bank && cbank))
                    || (!full[lbank] && loaded && lbank);
            if (advance) begin
                acc <= sum;
                if (last_k) begin
                    m_data <= sum[ACC_W-1:0];
                    m_valid <= 1'b1;
                    k <= {KW{1'b0}};
                    a_off <= {AW{1'b0}};
                    b_off <= {BW{1'b0}};
                    if (j == J_LAST) begin
                        j <= {JW{1'b0}};
                        cbank <= !cbank;
                    end else j <= j + 1'b1;
                end else begin
                    k <= k + 1'b1;
                    a_off <= a_off + A_STEP;
                    b_off <= b_off + B_STEP;
                end
            end
        end
    end
endmodule
`default_nettype wire
