// fpgaforge RTL library: table softmax over rows of N codes, bit-exact with
// fpgaforge.ir.ops.table_int.softmax_codes (and the HLS kernel ff::softmax):
//
//   m = max(x); e_i = EXP[min((m - x_i) >> SHIFT, SIZE - 1)]; s = sum e_i;
//   y_i = floor(e_i * 2**F / s)                       (F = OUT_W - 1 fractional bits)
//
// The quotient is computed without a divider per element: once per row a restoring
// divider forms R = ceil(2**(F+K) / s) (R_W cycles plus one to load), then
// y_i = (e_i * R) >> K. That is exact whenever e_i * s <= 2**K (the generator picks
// K = bit length of max(e) * N * max(e)): e_i * R / 2**K exceeds e_i * 2**F / s by
// less than 1/s, the smallest distance from a non-integer multiple of 1/s to the next
// integer.
//
// Input codes are compared as order keys (the sign bit flipped when IN_SIGNED), so
// m - x_i is an exact IN_W-bit unsigned distance. Two row buffers: a row loads while
// the previous one is processed. Per row: N cycles (exp + sum), R_W + 1 (reciprocal),
// N (outputs, one per cycle while m_ready) -- an interval of 2N + R_W + 1 cycles.
`default_nettype none
module ff_softmax #(
    parameter integer IN_W      = 8,
    parameter integer IN_SIGNED = 1,
    parameter integer N         = 10,
    parameter integer SIZE      = 256,
    parameter integer SHIFT     = 0,
    parameter integer EXP_W     = 17,
    parameter integer SUM_W     = 21,
    parameter integer F         = 24,
    parameter integer K         = 36,
    parameter integer R_W       = 45,
    parameter        EXP_FILE   = "exp.hex"
) (
    input  wire             clk,
    input  wire             rst,
    input  wire [IN_W-1:0]  s_data,
    input  wire             s_valid,
    output wire             s_ready,
    output reg  [F:0]       m_data,
    output reg              m_valid,
    input  wire             m_ready
);
    localparam integer CW    = N > 1 ? $clog2(N) : 1;
    localparam integer IDX_W = SIZE > 1 ? $clog2(SIZE) : 1;
    localparam integer JW    = $clog2(R_W + 1);
    localparam integer D_W   = F + K + 1;
    localparam integer P_W   = EXP_W + R_W;
    localparam [IN_W-1:0] FLIP = IN_SIGNED ? {1'b1, {(IN_W-1){1'b0}}} : {IN_W{1'b0}};
    localparam [1:0] EXP = 2'd0, DIV = 2'd1, OUT = 2'd2;
    localparam [CW-1:0] LAST = N - 1;
    localparam [IDX_W-1:0] LAST_IDX = SIZE - 1;
    localparam [JW-1:0] FIRST_J = R_W - 1;

    reg [EXP_W-1:0] rom [0:SIZE-1];
    initial $readmemh(EXP_FILE, rom);
    reg [IN_W-1:0] buffer [0:(2 << CW) - 1];  // two banks of 2**CW words, {bank, index}
    reg [IN_W-1:0] top [0:1];                 // each bank's maximum (as an order key)
    reg [1:0] full;

    // ---- load: the input side fills bank `wbank` ----
    reg wbank;
    reg [CW-1:0] wcnt;
    wire [IN_W-1:0] key = s_data ^ FLIP;
    assign s_ready = !full[wbank];
    wire load = s_valid && s_ready;

    // ---- process: bank `rbank` through exp + sum, reciprocal, outputs ----
    reg [1:0] state;
    reg rbank;
    reg [CW-1:0] cnt;
    reg [SUM_W-1:0] s;
    reg [SUM_W-1:0] rem;
    reg [R_W-1:0] r;
    reg [JW-1:0] j;
    reg started;

    wire [IN_W-1:0] xk = buffer[{rbank, cnt}];
    wire [IN_W-1:0] distance = top[rbank] - xk;
    wire [IN_W-1:0] bucket = distance >> SHIFT;
    wire [IN_W+IDX_W-1:0] wide = {{IDX_W{1'b0}}, bucket};
    wire [IDX_W-1:0] idx = wide > LAST_IDX ? LAST_IDX : wide[IDX_W-1:0];
    wire [EXP_W-1:0] e = rom[idx];
    wire [D_W-1:0] sum_wide = {{(D_W-SUM_W){1'b0}}, s};
    wire [D_W-1:0] dividend = {1'b1, {(F + K){1'b0}}} + sum_wide - 1'b1;
    wire [D_W-1:0] high = dividend >> R_W;
    wire [SUM_W:0] trial = {rem, dividend[j]};
    wire [SUM_W:0] diff = trial - {1'b0, s};
    wire [P_W-1:0] product = {{R_W{1'b0}}, e} * {{EXP_W{1'b0}}, r};
    wire [SUM_W-1:0] e_wide = {{(SUM_W-EXP_W){1'b0}}, e};
    wire emit = !m_valid || m_ready;
    wire release_bank = state == OUT && emit && cnt == LAST;

    always @(posedge clk) begin
        if (load) begin
            buffer[{wbank, wcnt}] <= key;
            if (wcnt == 0 || key > top[wbank]) top[wbank] <= key;
        end
    end

    always @(posedge clk) begin
        if (rst) begin
            wbank <= 1'b0;
            wcnt <= {CW{1'b0}};
            full <= 2'b00;
            state <= EXP;
            rbank <= 1'b0;
            cnt <= {CW{1'b0}};
            s <= {SUM_W{1'b0}};
            started <= 1'b0;
            m_valid <= 1'b0;
        end else begin
            if (load) begin
                if (wcnt == LAST) begin
                    wcnt <= {CW{1'b0}};
                    wbank <= !wbank;
                end else wcnt <= wcnt + 1'b1;
            end
            full[0] <= (full[0] && !(release_bank && !rbank))
                    || (load && !wbank && wcnt == LAST);
            full[1] <= (full[1] && !(release_bank && rbank))
                    || (load && wbank && wcnt == LAST);
            if (m_valid && m_ready) m_valid <= 1'b0;
            case (state)
                EXP: if (full[rbank]) begin
                    s <= (cnt == 0 ? {SUM_W{1'b0}} : s) + e_wide;
                    if (cnt == LAST) begin
                        cnt <= {CW{1'b0}};
                        state <= DIV;
                        started <= 1'b0;
                    end else cnt <= cnt + 1'b1;
                end
                DIV: if (!started) begin
                    rem <= high[SUM_W-1:0];
                    j <= FIRST_J;
                    started <= 1'b1;
                end else begin
                    if (trial >= {1'b0, s}) begin
                        rem <= diff[SUM_W-1:0];
                        r <= {r[R_W-2:0], 1'b1};
                    end else begin
                        rem <= trial[SUM_W-1:0];
                        r <= {r[R_W-2:0], 1'b0};
                    end
                    if (j == 0) state <= OUT;
                    else j <= j - 1'b1;
                end
                default: if (emit) begin
                    m_data <= product[K +: F + 1];
                    m_valid <= 1'b1;
                    if (cnt == LAST) begin
                        cnt <= {CW{1'b0}};
                        rbank <= !rbank;
                        state <= EXP;
                    end else cnt <= cnt + 1'b1;
                end
            endcase
        end
    end
endmodule
`default_nettype wire
