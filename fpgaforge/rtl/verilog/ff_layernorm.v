// fpgaforge RTL library: integer LayerNorm over rows of N codes, bit-exact with
// fpgaforge.ir.ops.table_int.layernorm_codes (and the HLS kernel ff::layernorm):
//
//   S = sum x, Q = sum x^2, V = N*Q - S^2 + EPS;
//   t = the smallest even shift with V >> t < SIZE; r = RSQRT[V >> t];
//   z_i = ((N*x_i - S) * r + 2**(sh-1)) >> sh, sh = RFRAC + t/2 - NFRAC;
//   y_i = z_i * GAMMA[i] + BETA[i]                         (OUT_W-bit two's complement)
//
// One lane, two row buffers: a row loads (N cycles, sums on the fly) while the previous
// one is processed: one cycle forms V, one finds t (a priority encoder over the even
// shifts) and reads the table and the shift amount, then N cycles emit the outputs (one per
// cycle while m_ready) -- an interval of N + 2 cycles per row; the first output leaves
// N + 3 cycles after the row's first input. RSQRT (unsigned R_W bits), GAMMA (signed G_W),
// BETA (signed B_W) are $readmemh images. WIDE must hold every intermediate (the generator
// checks it).
`default_nettype none
module ff_layernorm #(
    parameter integer IN_W  = 8,
    parameter integer N     = 16,
    parameter integer SIZE  = 1024,
    parameter integer R_W   = 17,
    parameter integer G_W   = 16,
    parameter integer B_W   = 24,
    parameter integer OUT_W = 40,
    parameter integer WIDE  = 48,
    parameter integer EPS   = 0,
    parameter integer RFRAC = 16,
    parameter integer NFRAC = 10,
    parameter        RSQRT_FILE = "rsqrt.hex",
    parameter        GAMMA_FILE = "gamma.hex",
    parameter        BETA_FILE  = "beta.hex"
) (
    input  wire              clk,
    input  wire              rst,
    input  wire [IN_W-1:0]   s_data,
    input  wire              s_valid,
    output wire              s_ready,
    output reg  [OUT_W-1:0]  m_data,
    output reg               m_valid,
    input  wire              m_ready
);
    localparam integer CW    = N > 1 ? $clog2(N) : 1;
    localparam integer IDX_W = SIZE > 1 ? $clog2(SIZE) : 1;
    localparam [1:0] WAIT = 2'd0, RSQ = 2'd1, OUT = 2'd2;
    localparam [CW-1:0] LAST = N - 1;

    reg [R_W-1:0] rsqrt [0:SIZE-1];
    reg [G_W-1:0] gamma [0:N-1];
    reg [B_W-1:0] beta  [0:N-1];
    initial begin
        $readmemh(RSQRT_FILE, rsqrt);
        $readmemh(GAMMA_FILE, gamma);
        $readmemh(BETA_FILE, beta);
    end
    reg [IN_W-1:0] buffer [0:(2 << CW) - 1];  // two banks of 2**CW words, {bank, index}
    reg signed [WIDE-1:0] bank_s [0:1];       // each bank's sum and sum of squares
    reg signed [WIDE-1:0] bank_q [0:1];
    reg [1:0] full;

    // ---- load: the input side fills bank `wbank` ----------------------------------------
    reg wbank;
    reg [CW-1:0] wcnt;
    assign s_ready = !full[wbank];
    wire load = s_valid && s_ready;
    wire signed [WIDE-1:0] x_in = {{(WIDE-IN_W){s_data[IN_W-1]}}, s_data};
    wire signed [WIDE-1:0] s_next = (wcnt == 0 ? {WIDE{1'b0}} : bank_s[wbank]) + x_in;
    wire signed [WIDE-1:0] q_next = (wcnt == 0 ? {WIDE{1'b0}} : bank_q[wbank]) + x_in * x_in;

    // ---- process: bank `rbank` through V, the rsqrt, the outputs ------------------------
    reg [1:0] state;
    reg rbank;
    reg [CW-1:0] cnt;
    reg signed [WIDE-1:0] s, v, r;
    reg [7:0] sh;
    wire emit = !m_valid || m_ready;
    wire release_bank = state == OUT && emit && cnt == LAST;

    // the even shift t: the largest even k with V >> k >= SIZE, plus 2 (0 when none)
    integer k;
    reg [7:0] t;
    always @* begin
        t = 8'd0;
        for (k = 0; k < WIDE; k = k + 2)
            if ((v >>> k) >= SIZE) t = k + 2;
    end
    // only the index's low IDX_W bits are read (t makes the rest zero)
    /* verilator lint_off UNUSEDSIGNAL */
    wire signed [WIDE-1:0] index_wide = v >>> t;
    /* verilator lint_on UNUSEDSIGNAL */
    wire [IDX_W-1:0] index = index_wide[IDX_W-1:0];

    wire [IN_W-1:0] xk = buffer[{rbank, cnt}];
    wire signed [WIDE-1:0] x_out = {{(WIDE-IN_W){xk[IN_W-1]}}, xk};
    wire signed [WIDE-1:0] d = x_out * N - s;
    wire signed [WIDE-1:0] half = {{(WIDE-1){1'b0}}, 1'b1} <<< (sh - 8'd1);
    wire signed [WIDE-1:0] z = (d * r + half) >>> sh;
    wire [G_W-1:0] gk = gamma[cnt];
    wire [B_W-1:0] bk = beta[cnt];
    wire signed [WIDE-1:0] g_wide = {{(WIDE-G_W){gk[G_W-1]}}, gk};
    wire signed [WIDE-1:0] b_wide = {{(WIDE-B_W){bk[B_W-1]}}, bk};
    // the output keeps the low OUT_W bits (the quantizer's type holds every value)
    /* verilator lint_off UNUSEDSIGNAL */
    wire signed [WIDE-1:0] y = z * g_wide + b_wide;
    /* verilator lint_on UNUSEDSIGNAL */

    always @(posedge clk) begin
        if (load) begin
            buffer[{wbank, wcnt}] <= s_data;
            bank_s[wbank] <= s_next;
            bank_q[wbank] <= q_next;
        end
    end

    always @(posedge clk) begin
        if (rst) begin
            wbank <= 1'b0;
            wcnt <= {CW{1'b0}};
            full <= 2'b00;
            state <= WAIT;
            rbank <= 1'b0;
            cnt <= {CW{1'b0}};
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
                WAIT: if (full[rbank]) begin
                    s <= bank_s[rbank];
                    v <= bank_q[rbank] * N - bank_s[rbank] * bank_s[rbank] + EPS;
                    state <= RSQ;
                end
                RSQ: begin
                    r <= {{(WIDE-R_W){1'b0}}, rsqrt[index]};
                    sh <= RFRAC + t / 2 - NFRAC;
                    state <= OUT;
                end
                default: if (emit) begin
                    m_data <= y[OUT_W-1:0];
                    m_valid <= 1'b1;
                    if (cnt == LAST) begin
                        cnt <= {CW{1'b0}};
                        rbank <= !rbank;
                        state <= WAIT;
                    end else cnt <= cnt + 1'b1;
                end
            endcase
        end
    end
endmodule
`default_nettype wire
