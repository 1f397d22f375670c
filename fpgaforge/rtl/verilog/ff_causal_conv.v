// fpgaforge RTL library: causal depthwise conv1d, one decode step with its window state
// (IntConv1d), LANES channels per beat, BEATS beats per token (C = LANES * BEATS channels).
// Per beat: the input codes x (s_data) are quantized by the activation quantizer (ACT_BITS
// > 0, ACT_GROUP > 0: power of two per group of ACT_GROUP lanes, s = clamp(bitlen(max |x|)
// - (ACT_BITS - 1), 0, 15), xq = saturate(shift_round(x, s), ACT_BITS) << s; ACT_GROUP == 0:
// one static shift ACT_SHIFT; ACT_BITS <= 0: none) and join each channel's state (s_state,
// K - 1 codes per lane, oldest first) as the window; per channel c
//     y[c] = shift_round(sum_k window[c][k] * q[c][k], SHIFT_C + w_shift[c]) + bias[c]
// (SHIFT_C = frac_in - frac_out) and the new state (m_state) is the window's last K - 1
// codes. Per beat ROM words: Q_FILE (LANES * K codes of Q_W bits, lane-major, tap 0 the
// oldest), SH_FILE (LANES shifts, SH_W bits signed), B_FILE (LANES bias codes, B_W bits).
// Four register stages (ROM read, quantizer, products, sum and shift), one beat per cycle;
// a stalled output stalls the pipeline. LANES must be a multiple of ACT_GROUP.
`default_nettype none
module ff_causal_conv #(
    parameter integer LANES     = 8,
    parameter integer BEATS     = 1,
    parameter integer K         = 4,
    parameter integer IN_W      = 16,
    parameter integer XQ_W      = 18,
    parameter integer OUT_W     = 24,
    parameter integer Q_W       = 8,
    parameter integer SH_W      = 8,
    parameter integer B_W       = 16,
    parameter integer ACT_BITS  = 8,
    parameter integer ACT_GROUP = 8,
    parameter integer ACT_SHIFT = 0,
    parameter integer SHIFT_C   = 0,
    parameter         Q_FILE    = "q.hex",
    parameter         SH_FILE   = "sh.hex",
    parameter         B_FILE    = "b.hex"
) (
    input  wire                           clk,
    input  wire                           rst,
    input  wire [LANES*IN_W-1:0]          s_data,
    input  wire [LANES*(K-1)*XQ_W-1:0]    s_state,
    input  wire                           s_valid,
    output wire                           s_ready,
    output reg  [LANES*OUT_W-1:0]         m_data,
    output reg  [LANES*(K-1)*XQ_W-1:0]    m_state,
    output reg                            m_valid,
    input  wire                           m_ready
);
    localparam integer AW = BEATS > 1 ? $clog2(BEATS) : 1;
    localparam integer XW = IN_W + 24;                 // x, its rounding and left shifts
    localparam integer PW = XQ_W + Q_W;                // one product
    localparam integer SW = PW + $clog2(K) + 40;       // the sum and its left shifts
    localparam integer NG = ACT_GROUP > 0 ? LANES / ACT_GROUP : 1;
    localparam integer GL = ACT_GROUP > 0 ? ACT_GROUP : LANES;

    function automatic signed [SW-1:0] rnd(input signed [SW-1:0] v, input integer s);
        reg signed [SW-1:0] half;
        begin
            half = 1;
            if (s > 0) begin
                half = half <<< (s - 1);
                rnd = (v + half) >>> s;
            end else begin
                rnd = v <<< (-s);
            end
        end
    endfunction

    // saturate(v, ACT_BITS) << s
    function automatic signed [XW-1:0] sat_shl(input signed [XW-1:0] v, input integer s);
        reg signed [XW-1:0] hi, lo;
        begin
            hi = 1;
            hi = (hi <<< (ACT_BITS - 1)) - 1;
            lo = -hi - 1;
            sat_shl = (v > hi ? hi : (v < lo ? lo : v)) <<< s;
        end
    endfunction

    reg [LANES*K*Q_W-1:0]  qrom  [0:BEATS-1];
    reg [LANES*SH_W-1:0]   shrom [0:BEATS-1];
    reg [LANES*B_W-1:0]    brom  [0:BEATS-1];
    initial begin
        $readmemh(Q_FILE, qrom);
        $readmemh(SH_FILE, shrom);
        $readmemh(B_FILE, brom);
    end

    wire adv = !m_valid || m_ready;
    assign s_ready = adv;
    reg [AW-1:0] beat;
    reg v1, v2, v3;

    // stage 1: the beat and its ROM words
    reg [LANES*IN_W-1:0]       x1;
    reg [LANES*(K-1)*XQ_W-1:0] st1, st2;
    reg [LANES*K*Q_W-1:0]      q1, q2;
    reg [LANES*SH_W-1:0]       sh1, sh2, sh3;
    reg [LANES*B_W-1:0]        b1, b2, b3;
    // stage 2: quantized inputs; stage 3: products
    reg [LANES*XQ_W-1:0]       xq2;
    reg [LANES*K*PW-1:0]       p3;

    integer g, i, k, c, s;
    reg signed [XW-1:0] xv, top, av;
    reg signed [SW-1:0] acc, wv, qv;
    reg [LANES*XQ_W-1:0] xq_next;
    reg [LANES*K*PW-1:0] p_next;
    reg [LANES*OUT_W-1:0] y_next;
    reg [LANES*(K-1)*XQ_W-1:0] st_next;

    always @* begin
        // activation quantizer
        xq_next = {LANES*XQ_W{1'b0}};
        for (g = 0; g < NG; g = g + 1) begin
            top = 0;
            for (i = 0; i < GL; i = i + 1) begin
                xv = $signed(x1[(g*GL+i)*IN_W +: IN_W]);
                av = xv < 0 ? -xv : xv;
                if (av > top) top = av;
            end
            c = 0;
            for (i = 0; i < XW; i = i + 1) if (top[i]) c = i + 1;
            s = c - (ACT_BITS - 1);
            s = s < 0 ? 0 : (s > 15 ? 15 : s);
            if (ACT_GROUP == 0) s = ACT_SHIFT;
            for (i = 0; i < GL; i = i + 1) begin
                xv = $signed(x1[(g*GL+i)*IN_W +: IN_W]);
                if (ACT_BITS <= 0) av = xv;
                else if (ACT_GROUP == 0 && ACT_SHIFT < 0) av = sat_shl(xv, 0);
                else av = sat_shl(rnd(xv, s), s);
                xq_next[(g*GL+i)*XQ_W +: XQ_W] = av[XQ_W-1:0];
            end
        end
        // products of the window (state, then the new code) and the taps
        p_next = {LANES*K*PW{1'b0}};
        st_next = {LANES*(K-1)*XQ_W{1'b0}};
        for (c = 0; c < LANES; c = c + 1) begin
            for (k = 0; k < K; k = k + 1) begin
                wv = k < K - 1 ? $signed(st2[(c*(K-1)+k)*XQ_W +: XQ_W])
                               : $signed(xq2[c*XQ_W +: XQ_W]);
                qv = $signed(q2[(c*K+k)*Q_W +: Q_W]);
                acc = wv * qv;
                p_next[(c*K+k)*PW +: PW] = acc[PW-1:0];
                if (k > 0) st_next[(c*(K-1)+k-1)*XQ_W +: XQ_W] = wv[XQ_W-1:0];
            end
        end
        // sum, shift, bias
        y_next = {LANES*OUT_W{1'b0}};
        for (c = 0; c < LANES; c = c + 1) begin
            acc = 0;
            for (k = 0; k < K; k = k + 1) acc = acc + $signed(p3[(c*K+k)*PW +: PW]);
            s = SHIFT_C + $signed(sh3[c*SH_W +: SH_W]);
            acc = rnd(acc, s) + $signed(b3[c*B_W +: B_W]);
            y_next[c*OUT_W +: OUT_W] = acc[OUT_W-1:0];
        end
    end

    reg [LANES*(K-1)*XQ_W-1:0] st_carry;
    always @(posedge clk) begin
        if (rst) begin
            beat <= {AW{1'b0}};
            v1 <= 1'b0;
            v2 <= 1'b0;
            v3 <= 1'b0;
            m_valid <= 1'b0;
        end else if (adv) begin
            if (s_valid) beat <= (beat == BEATS - 1) ? {AW{1'b0}} : beat + 1'b1;
            v1 <= s_valid;
            v2 <= v1;
            v3 <= v2;
            m_valid <= v3;
        end
        if (adv) begin
            x1 <= s_data;
            st1 <= s_state;
            q1 <= qrom[beat];
            sh1 <= shrom[beat];
            b1 <= brom[beat];
            xq2 <= xq_next;
            st2 <= st1;
            q2 <= q1;
            sh2 <= sh1;
            b2 <= b1;
            p3 <= p_next;
            st_carry <= st_next;
            sh3 <= sh2;
            b3 <= b2;
            m_data <= y_next;
            m_state <= st_carry;
        end
    end
endmodule
`default_nettype wire
