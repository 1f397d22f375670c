// fpgaforge RTL library: W4A4 group-quantized matrix-vector unit with power-of-two group
// scales (LightMamba's linear layers, the IntLinear op with the two_shifts weight scale).
//
//   y[r] = sat(round(sum_g (2^s1[r,g] + 2^s2[r,g]) * sum_{k in g} q[r,k] * (a[k] << sa[k/AG]),
//                    SHIFT), OUT_W)
//
// with 4-bit weight codes q, 4-bit activation codes a and one activation shift sa per AG
// lanes (the activation quantizer's output: codes and group shifts, computed upstream),
// s1, s2 in 0..7 per (row, weight group), SHIFT = frac_in - w_exp - frac_out in -16..127
// rounded half up (a left shift when negative, within ACC_W + 16 bits), saturated to OUT_W
// bits. With ACC_W 48 the group sum (ACC_W - 9 bits) holds groups up to 2^17 channels and
// the row sum rows up to 2^18 channels (4-bit codes, shifts up to 15).
//
// The shape is a run-time choice, so one engine serves in_proj and out_proj in turn:
// cfg_row_blocks = rows / PE, cfg_col_beats = cols / SIMD, cfg_group_beats = weight
// group / SIMD and cfg_shift hold still while a product runs (at most XDEPTH column beats).
// Streams (valid/ready, AXI4-Stream style):
//   s_x: SIMD activation codes (lane 0 in the low bits) and SIMD/AG shifts above them;
//        cols/SIMD beats per product, taken together with the first row block's weights and
//        kept in a LUT RAM for the other row blocks.
//   s_w: PE x SIMD weight codes a beat (row-major: PE row p, lane s at bits (p*SIMD+s)*WB),
//        row block after row block, column beats in order: one beat a cycle.
//   s_s: PE pairs {s2, s1} (3 bits each, s1 in the low bits) with the first beat of every
//        weight group.
//   m_y: PE outputs of OUT_W bits a beat, one beat per row block.
// PE x SIMD products a cycle (LUT multipliers, no DSP); the group scale is two shifts and
// an add. Pipeline: input register, products + shifted chunk sums, group accumulator, row
// accumulator, output register: the last output of a product leaves 5 cycles after its last
// weight beat, so a product takes rows * cols / (PE * SIMD) + 5 cycles at full rate.
`default_nettype none
module ff_pot_gemv #(
    parameter integer PE      = 4,
    parameter integer SIMD    = 16,
    parameter integer AG      = 8,
    parameter integer WB      = 4,
    parameter integer AB      = 4,
    parameter integer SA_W    = 4,
    parameter integer ACC_W   = 48,
    parameter integer OUT_W   = 32,
    parameter integer XDEPTH  = 16,
    parameter integer DIM_W   = 12
) (
    input  wire                                  clk,
    input  wire                                  rst,
    input  wire [DIM_W-1:0]                      cfg_row_blocks,
    input  wire [DIM_W-1:0]                      cfg_col_beats,
    input  wire [DIM_W-1:0]                      cfg_group_beats,
    input  wire signed [7:0]                     cfg_shift,
    input  wire                                  s_x_valid,
    output wire                                  s_x_ready,
    input  wire [SIMD*AB+(SIMD/AG)*SA_W-1:0]     s_x_data,
    input  wire                                  s_w_valid,
    output wire                                  s_w_ready,
    input  wire [PE*SIMD*WB-1:0]                 s_w_data,
    input  wire                                  s_s_valid,
    output wire                                  s_s_ready,
    input  wire [PE*6-1:0]                       s_s_data,
    output reg                                   m_valid,
    input  wire                                  m_ready,
    output reg  [PE*OUT_W-1:0]                   m_data
);
    localparam integer NCH = SIMD / AG;
    localparam integer XW = SIMD * AB + NCH * SA_W;
    localparam integer PW = WB + AB;
    localparam integer CW = PW + $clog2(AG) + 1;
    localparam integer BSW = CW + (1 << SA_W) - 1 + $clog2(NCH) + 1;
    localparam integer GW = ACC_W - 9;
    localparam integer XA = XDEPTH > 1 ? $clog2(XDEPTH) : 1;
    localparam integer EXT_W = ACC_W + 16;

    // ---- accept side: counters and handshakes -----------------------------------------
    reg  [DIM_W-1:0] c_beat, g_beat, blk;
    wire first_g = g_beat == 0;
    wire last_g  = g_beat == cfg_group_beats - 1;
    wire last_c  = c_beat == cfg_col_beats - 1;
    wire last_b  = blk == cfg_row_blocks - 1;
    wire blk0    = blk == 0;
    wire stall   = m_valid & ~m_ready;
    wire x_ok    = blk0 ? s_x_valid : 1'b1;
    wire s_ok    = first_g ? s_s_valid : 1'b1;
    wire fire    = ~stall & s_w_valid & x_ok & s_ok;
    assign s_w_ready = ~stall & x_ok & s_ok;
    assign s_x_ready = ~stall & blk0 & s_w_valid & s_ok;
    assign s_s_ready = ~stall & first_g & s_w_valid & x_ok;

    reg [XW-1:0] xbuf [0:XDEPTH-1];
    wire [XW-1:0] x_cur = blk0 ? s_x_data : xbuf[c_beat[XA-1:0]];
    reg [PE*6-1:0] sc_hold;
    wire [PE*6-1:0] sc_cur = first_g ? s_s_data : sc_hold;

    always @(posedge clk) begin
        if (fire & blk0) xbuf[c_beat[XA-1:0]] <= s_x_data;
    end

    always @(posedge clk) begin
        if (rst) begin
            c_beat <= 0;
            g_beat <= 0;
            blk <= 0;
            sc_hold <= 0;
        end else if (fire) begin
            sc_hold <= sc_cur;
            g_beat <= last_g ? {DIM_W{1'b0}} : g_beat + 1'b1;
            if (last_c) begin
                c_beat <= 0;
                blk <= last_b ? {DIM_W{1'b0}} : blk + 1'b1;
            end else begin
                c_beat <= c_beat + 1'b1;
            end
        end
    end

    // ---- stage 1: input register ----------------------------------------------------------
    reg v1, lg1, fg1, rg1, lc1;
    reg [PE*SIMD*WB-1:0] w1;
    reg [XW-1:0] x1;
    reg [PE*6-1:0] sc1;
    always @(posedge clk) begin
        if (rst) begin
            v1 <= 1'b0;
        end else if (~stall) begin
            v1 <= fire;
            w1 <= s_w_data;
            x1 <= x_cur;
            sc1 <= sc_cur;
            fg1 <= first_g;
            lg1 <= last_g;
            rg1 <= c_beat == g_beat;  // the group is the first of its row block
            lc1 <= last_c;
        end
    end

    // ---- stage 2: products, shifted AG-lane chunk sums, beat sum per PE row --------------
    reg [PE*BSW-1:0] bsum_c;
    reg signed [BSW-1:0] bacc;
    reg signed [CW-1:0] csum;
    reg signed [WB-1:0] wv;
    reg signed [AB-1:0] xv;
    reg signed [PW-1:0] prod;
    reg [SA_W-1:0] sa;
    integer p, ch, l;
    always @* begin
        bsum_c = {PE*BSW{1'b0}};
        for (p = 0; p < PE; p = p + 1) begin
            bacc = {BSW{1'b0}};
            for (ch = 0; ch < NCH; ch = ch + 1) begin
                csum = {CW{1'b0}};
                for (l = 0; l < AG; l = l + 1) begin
                    wv = w1[(p*SIMD + ch*AG + l)*WB +: WB];
                    xv = x1[(ch*AG + l)*AB +: AB];
                    prod = wv * xv;
                    csum = csum + {{(CW-PW){prod[PW-1]}}, prod};
                end
                sa = x1[SIMD*AB + ch*SA_W +: SA_W];
                bacc = bacc + ($signed({{(BSW-CW){csum[CW-1]}}, csum}) <<< sa);
            end
            bsum_c[p*BSW +: BSW] = bacc;
        end
    end

    reg v2, lg2, fg2, rg2, lc2;
    reg [PE*BSW-1:0] bs2;
    reg [PE*6-1:0] sc2;
    always @(posedge clk) begin
        if (rst) begin
            v2 <= 1'b0;
        end else if (~stall) begin
            v2 <= v1;
            bs2 <= bsum_c;
            sc2 <= sc1;
            fg2 <= fg1;
            lg2 <= lg1;
            rg2 <= rg1;
            lc2 <= lc1;
        end
    end

    // ---- stage 3: group accumulator -------------------------------------------------------
    reg v3, lg3, rg3, lc3;
    reg [PE*GW-1:0] gacc;
    reg [PE*6-1:0] sc3;
    integer q;
    always @(posedge clk) begin
        if (rst) begin
            v3 <= 1'b0;
        end else if (~stall) begin
            v3 <= v2;
            sc3 <= sc2;
            lg3 <= lg2;
            rg3 <= rg2;
            lc3 <= lc2;
            if (v2) begin
                for (q = 0; q < PE; q = q + 1) begin
                    gacc[q*GW +: GW] <= (fg2 ? {GW{1'b0}} : gacc[q*GW +: GW])
                        + {{(GW-BSW){bs2[q*BSW+BSW-1]}}, bs2[q*BSW +: BSW]};
                end
            end
        end
    end

    // ---- stage 4: row accumulator, (2^s1 + 2^s2) times the group sum by two shifts -------
    reg v4;
    reg [PE*ACC_W-1:0] racc, racc_c;
    reg signed [ACC_W-1:0] gext;
    integer r;
    always @* begin
        for (r = 0; r < PE; r = r + 1) begin
            gext = {{(ACC_W-GW){gacc[r*GW+GW-1]}}, gacc[r*GW +: GW]};
            racc_c[r*ACC_W +: ACC_W] = (rg3 ? {ACC_W{1'b0}} : racc[r*ACC_W +: ACC_W])
                + (gext <<< sc3[r*6 +: 3]) + (gext <<< sc3[r*6+3 +: 3]);
        end
    end
    always @(posedge clk) begin
        if (rst) begin
            v4 <= 1'b0;
        end else if (~stall) begin
            v4 <= v3 & lg3 & lc3;
            if (v3 & lg3) racc <= racc_c;
        end
    end

    // ---- stage 5: requantization (shift rounded half up, saturation), output register ----
    localparam signed [EXT_W-1:0] HI = (64'sd1 <<< (OUT_W - 1)) - 1;
    localparam signed [EXT_W-1:0] LO = -(64'sd1 <<< (OUT_W - 1));
    reg [PE*OUT_W-1:0] y_c;
    reg signed [EXT_W-1:0] ext, half, shifted;
    reg [6:0] rsh, lsh;
    integer o;
    always @* begin
        y_c = {PE*OUT_W{1'b0}};
        rsh = cfg_shift > 0 ? cfg_shift[6:0] : 7'd0;
        lsh = cfg_shift < 0 ? -cfg_shift[6:0] : 7'd0;
        half = rsh > 0 ? ($signed({{(EXT_W-1){1'b0}}, 1'b1}) <<< (rsh - 1)) : {EXT_W{1'b0}};
        for (o = 0; o < PE; o = o + 1) begin
            ext = {{(EXT_W-ACC_W){racc[o*ACC_W+ACC_W-1]}}, racc[o*ACC_W +: ACC_W]};
            shifted = cfg_shift > 0 ? ((ext + half) >>> rsh) : (ext <<< lsh);
            if (shifted > HI) y_c[o*OUT_W +: OUT_W] = HI[OUT_W-1:0];
            else if (shifted < LO) y_c[o*OUT_W +: OUT_W] = LO[OUT_W-1:0];
            else y_c[o*OUT_W +: OUT_W] = shifted[OUT_W-1:0];
        end
    end

    always @(posedge clk) begin
        if (rst) begin
            m_valid <= 1'b0;
        end else if (~stall) begin
            m_valid <= v4;
            if (v4) m_data <= y_c;
        end
    end
endmodule
`default_nettype wire
