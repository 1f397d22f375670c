// fpgaforge RTL library: the SAT training array, a weight-stationary systolic array whose
// processing elements run dense and N:M sparse GEMMs (the three GEMMs of a training step).
//
// ff_tiled_gemm's array, controller and epilogue (see there for the pass schedule and the
// ROM layouts), with an index select in every PE. PE (r, c) holds a weight value and an
// index of IDX_W bits; the activation moving right along array row r is a bus of GM lanes,
// and the PE multiplies its weight by the lane its index selects. The command word's bit
// [115] (sparse) sets how the feed fills those buses, per layer at run time:
//   dense  (sparse = 0): row r of row tile kt carries reduction element kt*R + r mod R on
//          lane 0 (R = ROWS/S, S the split below; the weight image has index 0 everywhere):
//          the dense weight-gradient GEMM dW^T = X^T * dY, or any dense GEMM;
//   N:M    (sparse = 1): the weights are stored compressed along the reduction, GN values of
//          every group of GM (nm.compress's layout: GN {value, index} pairs per group, in
//          increasing position); rows GN*g .. GN*g + GN - 1 (mod R) of row tile kt hold
//          group kt*R/GN + g, and each carries that group's GM activations on its lanes. The
//          forward GEMM Y = X * (W*Mf)^T runs on W*Mf compressed along the layer's input
//          axis; the backward-data GEMM dX = dY * (W*Mb) on the transposed operand, W*Mb
//          compressed along the layer's output axis (its reduction): the same PEs and
//          select, another weight image (mask generation writes both).
// Split (command bits [117:116], log2 S, S a power of two up to SMAX): the array's rows run as
// S segments of ROWS/S rows (a segment's first row takes a zero partial sum, its last row's
// sums are tapped), each with the same reduction slice (row tile kt covers ROWS/S stored
// rows) and its own COLS outputs: segment j computes column tile nt*S + j, so a pass covers
// S*COLS outputs. A segment's taps are delayed to leave with the bottom row's; a GEMM whose
// stored reduction is much shorter than ROWS (an N:M backward-data GEMM of a narrow layer)
// fills the array that way.
// Passes overlap (unlike ff_tiled_gemm's): the PEs hold two weight banks, each feed slot
// carries the bank of its pass along the array rows, and the next pass's tile loads into the
// free bank while the current one streams, so the next pass's rows follow the current one's
// last row directly. A pass followed by another of the layer takes max(m_c, ROWS, COLS + 1)
// cycles (a tile loads one row a cycle, row r once the pass before has left it); the layer's
// last pass takes m_c + ROWS + COLS - 2 (the array drains before the next layer reads the
// outputs).
// KT in the command counts row tiles of the stored (compressed) reduction in segment rows,
// NT column tiles of S*COLS outputs, K is the width of an input row (the uncompressed
// reduction); a layer takes ROWS (the first tile's load) plus its passes, the cycles of a
// dense GEMM with reduction K*GN/GM on a (ROWS/S) x (S*COLS) array with the fill and drain
// of the whole one, once (`TiledGemmLayer` with `splits` and `overlap`).
// Command word: ff_tiled_gemm's 115 bits, plus [115] sparse, [117:116] log2 S. WEIGHT_FILE
// words hold COLS entries of WT_W + IDX_W bits (value low, index high), entry 0 in the low
// bits; a tile's ROWS words are its array rows (segment j's rows j*ROWS/S ..). BIAS_FILE and
// RQ_FILE: one word per COLS outputs, as in ff_tiled_gemm.
// ROWS must be a multiple of SMAX, and ROWS/S of GN in N:M mode.
`default_nettype none
module ff_sat_array #(
    parameter integer ROWS       = 4,
    parameter integer COLS       = 4,
    parameter integer ACT_W      = 8,
    parameter integer WT_W       = 8,
    parameter integer ACC_W      = 24,
    parameter integer MULT_W     = 16,
    parameter integer SHIFT_W    = 8,
    parameter integer ROUNDING   = 1,
    parameter integer OVERFLOW   = 1,
    parameter integer GN         = 2,
    parameter integer GM         = 4,
    parameter integer SMAX       = 1,
    parameter integer LAYERS     = 1,
    parameter integer M_TILE     = 1,
    parameter integer ACT_DEPTH  = 16,
    parameter integer WDEPTH     = 1,
    parameter integer TDEPTH     = 1,
    parameter integer IN_N       = 1,
    parameter integer IN_ELEMS   = 4,
    parameter integer OUT_N      = 1,
    parameter integer OUT_ELEMS  = 4,
    parameter        CMD_FILE    = "cmd.hex",
    parameter        WEIGHT_FILE = "w.hex",
    parameter        BIAS_FILE   = "b.hex",
    parameter        RQ_FILE     = "q.hex"
) (
    input  wire                   clk,
    input  wire                   rst,
    input  wire [IN_N*ACT_W-1:0]  s_data,
    input  wire                   s_valid,
    output wire                   s_ready,
    output reg  [OUT_N*ACT_W-1:0] m_data,
    output wire                   m_valid,
    input  wire                   m_ready
);
    localparam integer CMD_W = 119;
    localparam integer RMIN = ROWS / SMAX;           // rows of the shortest segment
    localparam integer WC = SMAX * COLS;             // output columns of one pass, at most
    localparam integer IDX_W = (GM > 1) ? $clog2(GM) : 1;
    localparam integer EW = WT_W + IDX_W;            // one weight entry: value, index
    localparam integer RQ_W = MULT_W + SHIFT_W;
    localparam integer XW = ACT_W + 1;               // activations sign-extended in the array
    localparam integer HB = $clog2(ACT_DEPTH);       // address bits inside one half
    localparam integer MI_W = (M_TILE > 1) ? $clog2(M_TILE) : 1;
    localparam integer D = ROWS + COLS - 1;          // feed slot -> accumulate stage
    localparam integer P_MIN = (ROWS > COLS + 1) ? ROWS : COLS + 1;  // shortest overlapped pass
    localparam integer LR_W = (ROWS > 1) ? $clog2(ROWS) : 1;
    // metadata of a feed slot: log2 S, valid, first kt, last kt, relu, out signed, dst half, m,
    // row in chunk, first output column, N, bias/requant address (META_B bits); above them the
    // M-split flag, the rows each segment streams in the pass and the rows left from m0
    localparam integer META_B = 2 + 6 + 16 + MI_W + 16 + 16 + 16;
    localparam integer META_W = META_B + 33;
    localparam [2:0] S_LOAD = 3'd0, S_WLOAD = 3'd1, S_PASS = 3'd2, S_DRAIN = 3'd3, S_OUT = 3'd4;

    reg [CMD_W-1:0] cmd_rom [0:LAYERS-1];
    reg [COLS*EW-1:0] wrom [0:WDEPTH-1];
    reg [COLS*ACC_W-1:0] brom [0:TDEPTH-1];
    reg [COLS*RQ_W-1:0] qrom [0:TDEPTH-1];
    reg [ACT_W-1:0] act [0:2*ACT_DEPTH-1];
    reg [WC*ACC_W-1:0] accmem [0:M_TILE-1];
    integer z;
    initial begin
        $readmemh(CMD_FILE, cmd_rom);
        $readmemh(WEIGHT_FILE, wrom);
        $readmemh(BIAS_FILE, brom);
        $readmemh(RQ_FILE, qrom);
        for (z = 0; z < 2 * ACT_DEPTH; z = z + 1) act[z] = {ACT_W{1'b0}};
        for (z = 0; z < M_TILE; z = z + 1) accmem[z] = {WC*ACC_W{1'b0}};
    end

    // ---- controller -------------------------------------------------------------------
    reg [2:0] state;
    integer layer, count, wl, pc, kt_i, nt_i, m0;
    reg src;
    reg [1:0] drain;
    wire [CMD_W-1:0] cmd = cmd_rom[layer];
    wire [15:0] c_m = cmd[15:0];
    wire [15:0] c_kt = cmd[31:16];
    wire [15:0] c_nt = cmd[47:32];
    wire [15:0] c_k = cmd[63:48];
    wire [15:0] c_n = cmd[79:64];
    wire [15:0] c_wbase = cmd[95:80];
    wire [15:0] c_tbase = cmd[111:96];
    wire c_relu = cmd[112];
    wire c_in_signed = cmd[113];
    wire c_out_signed = cmd[114];
    wire c_sparse = cmd[115];
    wire [1:0] c_slog = cmd[117:116];                // the array splits in 2^c_slog segments
    wire c_msplit = cmd[118];                        // ... each streaming its own rows of M
    wire [15:0] seg_rows = ROWS >> c_slog;           // rows of a segment: the reduction slice
    wire [15:0] c_split = 16'd1 << c_slog;

    integer m_cnt, p_len, m_rest, m_seg, m_chunk;
    reg last_kt, last_chunk, last_nt, has_next;
    integer n_kt, n_m0, n_nt;
    always @* begin
        m_rest = c_m - m0;
        // M-split: a pass covers 2^c_slog * M_TILE rows of M, segment j streaming rows
        // m0 + j*m_cnt .. (the last chunk's rows shared out evenly); else M_TILE rows
        m_seg = (m_rest + c_split - 1) >> c_slog;
        if (c_msplit) begin
            m_chunk = M_TILE << c_slog;
            m_cnt = (m_seg < M_TILE) ? m_seg : M_TILE;
        end else begin
            m_chunk = M_TILE;
            m_cnt = (m_rest < M_TILE) ? m_rest : M_TILE;
        end
        last_kt = kt_i == c_kt - 1;
        last_chunk = m0 + m_chunk >= c_m;
        last_nt = nt_i == c_nt - 1;
        has_next = !(last_kt && last_chunk && last_nt);
        // a pass followed by another of the layer lasts its feed, at least ROWS cycles (the
        // next tile's ROWS loads, one a cycle) and COLS + 1 (a row's load waits COLS cycles for
        // the pass before to leave it): the next pass's rows enter right behind its last one;
        // the layer's last pass drains the array
        if (has_next)
            p_len = (m_cnt > P_MIN) ? m_cnt : P_MIN;
        else
            p_len = m_cnt + ROWS + COLS - 2;
        // the pass after this one: next kt, else next chunk, else next column tile
        n_kt = last_kt ? 0 : kt_i + 1;
        n_m0 = !last_kt ? m0 : (last_chunk ? 0 : m0 + m_chunk);
        n_nt = (last_kt && last_chunk) ? nt_i + 1 : nt_i;
    end

    // ---- weights: two banks; a pass reads one while the next pass's tile loads into the other,
    // a burst of one row a cycle from pass cycle COLS (row r at cycle COLS + r: after the pass
    // before has left row r's PEs, before the next pass reaches them). A pass shorter than
    // COLS + ROWS leaves the burst's last rows to the next pass's first cycles, still before
    // that pass's rows reach them; a pass of at least ROWS cycles ends a burst before the
    // next one starts. Each feed slot carries its pass's bank along the array rows.
    reg [COLS*EW-1:0] w_bank0 [0:ROWS-1];
    reg [COLS*EW-1:0] w_bank1 [0:ROWS-1];
    reg bank;
    reg ld_busy;                                     // a tile's load burst is running
    reg ld_bank;                                     // ... into this bank
    reg [15:0] ld_addr;                              // ... its next weight ROM row
    reg [LR_W-1:0] ld_row;                           // ... and array row
    reg [15:0] t_cur, t_nt;                          // weight ROM rows (from c_wbase) of this
                                                     // pass's tile and of its nt's first tile
    // the next pass's tile: tiles are stored nt-major, kt within; the next chunk goes back to
    // the nt's first tile, the next nt follows the last one
    wire [15:0] t_next = (last_kt && !last_chunk) ? t_nt : t_cur + ROWS;
    wire [COLS*EW-1:0] w_row_first = wrom[c_wbase + wl];
    wire [COLS*EW-1:0] w_row_load = wrom[ld_addr];

    // ---- feed: one input row per cycle, GM lanes per array row -------------------------
    // dense: lane 0 of row r is element kt*ROWS + r; N:M: lane j of row r is element j of
    // group kt*ROWS/GN + r/GN. Lanes past the row's end read a neighbour's codes, which meet
    // zero (padding) weights.
    wire feed = state == S_PASS && pc < m_cnt;
    wire [15:0] feed_m = m0 + pc;
    wire [HB-1:0] feed_base = feed_m * c_k;         // the row's first element
    wire [HB-1:0] seg_stride = m_cnt * c_k;         // M-split: from one segment's row to the next
    reg [ROWS*GM*XW-1:0] x_feed;
    integer r, c, i, j;
    reg [ACT_W-1:0] xe;
    reg [HB-1:0] xa;
    always @* begin
        for (r = 0; r < ROWS; r = r + 1)
            for (j = 0; j < GM; j = j + 1) begin
                // M-split: the rows of segment r / seg_rows are m_cnt rows further on
                if (c_sparse)
                    xa = feed_base + (c_msplit ? (r / seg_rows) * seg_stride : 0)
                         + (kt_i * (seg_rows / GN) + (r % seg_rows) / GN) * GM + j;
                else
                    xa = feed_base + (c_msplit ? (r / seg_rows) * seg_stride : 0)
                         + kt_i * seg_rows + r % seg_rows;
                xe = act[{src, xa}];
                if (!feed || (!c_sparse && j != 0))
                    x_feed[(r*GM+j)*XW +: XW] = {XW{1'b0}};
                else if (c_in_signed)
                    x_feed[(r*GM+j)*XW +: XW] = {xe[ACT_W-1], xe};
                else
                    x_feed[(r*GM+j)*XW +: XW] = {1'b0, xe};
            end
    end

    // ---- metadata travelling with each feed slot ----------------------------------------
    wire [MI_W-1:0] feed_mi = pc;
    // column tile nt*S + j in segment j, or (M-split) column tile nt in every segment
    wire [15:0] feed_tile = c_msplit ? nt_i : nt_i * c_split;
    wire [15:0] feed_n0 = feed_tile * COLS;
    wire [15:0] feed_taddr = c_tbase + feed_tile;
    wire [15:0] feed_seg = m_cnt;
    wire [15:0] feed_rest = m_rest;
    wire [META_W-1:0] meta_in = {c_msplit, feed_seg, feed_rest,
                                 c_slog, feed, kt_i == 0, last_kt, c_relu, c_out_signed, ~src,
                                 feed_m, feed_mi, feed_n0, c_n, feed_taddr};
    reg [META_W-1:0] meta_pipe [0:D-1];
    wire [META_W-1:0] meta = meta_pipe[D-1];
    wire a_valid = meta[META_B-3];
    wire a_first = meta[META_B-4];
    wire a_last = meta[META_B-5];
    wire a_relu = meta[META_B-6];
    wire a_out_signed = meta[META_B-7];
    wire a_dst = meta[META_B-8];
    wire [15:0] a_m = meta[META_B-9 -: 16];
    wire [MI_W-1:0] a_mi = meta[48 +: MI_W];
    wire [15:0] a_n0 = meta[47:32];
    wire [15:0] a_n = meta[31:16];
    wire [15:0] a_taddr = meta[15:0];
    wire [1:0] a_slog = meta[META_B-1 -: 2];
    wire a_msplit = meta[META_W-1];
    wire [15:0] a_seg = meta[META_W-2 -: 16];
    wire [15:0] a_rest = meta[META_W-18 -: 16];
    always @(posedge clk) begin
        meta_pipe[0] <= rst ? {META_W{1'b0}} : meta_in;
        for (i = 1; i < D; i = i + 1) meta_pipe[i] <= rst ? {META_W{1'b0}} : meta_pipe[i-1];
    end

    // ---- the systolic array -------------------------------------------------------------
    localparam integer BW = GM * XW;     // the activation lanes of one array row
    localparam integer BWT = BW + 1;     // and the bank of the slot's pass
    wire [ROWS*COLS*BWT-1:0] a_bus;      // activation bus leaving PE (r, c) to the right
    wire [ROWS*COLS*ACC_W-1:0] p_bus;    // partial sum leaving PE (r, c) downwards
    // taps[b]: the sums leaving row b*RMIN - 1 (b = 1 .. SMAX, SMAX the bottom), deskewed
    // across columns and delayed to leave together with the bottom row's
    wire [SMAX*COLS*ACC_W-1:0] taps;
    genvar gr, gc;
    generate
        for (gr = 0; gr < ROWS; gr = gr + 1) begin : row
            wire [BWT-1:0] x_in;
            if (gr == 0) begin : noskew
                assign x_in = {bank, x_feed[0 +: BW]};
            end else begin : skew
                reg [BWT-1:0] sk [0:gr-1];
                integer s;
                always @(posedge clk) begin
                    sk[0] <= {bank, x_feed[gr*BW +: BW]};
                    for (s = 1; s < gr; s = s + 1) sk[s] <= sk[s-1];
                end
                assign x_in = sk[gr-1];
            end
            for (gc = 0; gc < COLS; gc = gc + 1) begin : pe
                wire [BWT-1:0] a_in;
                wire signed [ACC_W-1:0] p_in;
                wire [EW-1:0] entry = a_in[BW] ? w_bank1[gr][gc*EW +: EW] : w_bank0[gr][gc*EW +: EW];
                wire signed [WT_W-1:0] w = entry[WT_W-1:0];
                wire [IDX_W-1:0] idx = entry[EW-1:WT_W];
                wire signed [XW-1:0] x_sel = a_in[idx*XW +: XW];   // the GM:1 index select
                wire signed [XW+WT_W-1:0] prod = x_sel * w;
                reg [BWT-1:0] a_q;
                reg [ACC_W-1:0] p_q;
                if (gc == 0) begin : left
                    assign a_in = x_in;
                end else begin : inner
                    assign a_in = a_bus[(gr*COLS+gc-1)*BWT +: BWT];
                end
                if (gr == 0) begin : top
                    assign p_in = {ACC_W{1'b0}};
                end else if (gr % RMIN == 0) begin : boundary
                    // a segment's first row when the array is split there
                    wire [ACC_W-1:0] above = p_bus[((gr-1)*COLS+gc)*ACC_W +: ACC_W];
                    assign p_in = (gr % seg_rows == 0) ? {ACC_W{1'b0}} : above;
                end else begin : below
                    assign p_in = p_bus[((gr-1)*COLS+gc)*ACC_W +: ACC_W];
                end
                always @(posedge clk) begin
                    a_q <= a_in;
                    p_q <= p_in + {{(ACC_W-XW-WT_W){prod[XW+WT_W-1]}}, prod};
                end
                assign a_bus[(gr*COLS+gc)*BWT +: BWT] = a_q;
                assign p_bus[(gr*COLS+gc)*ACC_W +: ACC_W] = p_q;
            end
        end
        for (gr = 1; gr <= SMAX; gr = gr + 1) begin : tap
            for (gc = 0; gc < COLS; gc = gc + 1) begin : col
                localparam integer DL = (ROWS - gr * RMIN) + (COLS - 1 - gc);
                wire [ACC_W-1:0] bottom = p_bus[((gr*RMIN-1)*COLS+gc)*ACC_W +: ACC_W];
                if (DL == 0) begin : direct
                    assign taps[((gr-1)*COLS+gc)*ACC_W +: ACC_W] = bottom;
                end else begin : delayed
                    reg [ACC_W-1:0] dl [0:DL-1];
                    integer s;
                    always @(posedge clk) begin
                        dl[0] <= bottom;
                        for (s = 1; s < DL; s = s + 1) dl[s] <= dl[s-1];
                    end
                    assign taps[((gr-1)*COLS+gc)*ACC_W +: ACC_W] = dl[DL-1];
                end
            end
        end
    endgenerate

    // ---- accumulate stage: bias or partial sums + this tile's sums -----------------------
    // segment j of 2^a_slog computes column tile nt*2^a_slog + j: its sums are taps[(j+1)*SMAX >>
    // a_slog], its bias and requant words those at a_taddr + j
    reg [WC*ACC_W-1:0] sums, bias_row, total;
    reg [WC*RQ_W-1:0] rq_row;
    wire [WC*ACC_W-1:0] acc_row = accmem[a_mi];
    integer sg, tb;
    always @* begin
        tb = 0;
        total = {WC*ACC_W{1'b0}};
        sums = {WC*ACC_W{1'b0}};
        bias_row = {WC*ACC_W{1'b0}};
        rq_row = {WC*RQ_W{1'b0}};
        for (sg = 0; sg < SMAX; sg = sg + 1)
            if (sg < (1 << a_slog)) begin
                tb = ((sg + 1) * SMAX >> a_slog) - 1;
                sums[sg*COLS*ACC_W +: COLS*ACC_W] = taps[tb*COLS*ACC_W +: COLS*ACC_W];
                bias_row[sg*COLS*ACC_W +: COLS*ACC_W] = brom[a_taddr + (a_msplit ? 0 : sg)];
                rq_row[sg*COLS*RQ_W +: COLS*RQ_W] = qrom[a_taddr + (a_msplit ? 0 : sg)];
            end
        for (c = 0; c < WC; c = c + 1)
            total[c*ACC_W +: ACC_W] = (a_first ? bias_row[c*ACC_W +: ACC_W] : acc_row[c*ACC_W +: ACC_W])
                                      + sums[c*ACC_W +: ACC_W];
    end

    // ---- write stage: ReLU, requantize, write the row's valid columns --------------------
    reg r_valid, r_relu, r_out_signed, r_dst, r_msplit;
    reg [WC*ACC_W-1:0] r_acc;
    reg [WC*RQ_W-1:0] r_q;
    reg [15:0] r_addr, r_cols;
    reg [HB-1:0] r_step;
    reg [SMAX-1:0] r_blocks;                         // M-split: the segments whose row exists
    reg [WC*ACC_W-1:0] r_in;
    always @* begin
        for (c = 0; c < WC; c = c + 1)
            r_in[c*ACC_W +: ACC_W] = (r_relu && r_acc[c*ACC_W+ACC_W-1]) ? {ACC_W{1'b0}} : r_acc[c*ACC_W +: ACC_W];
    end
    wire [WC*ACT_W-1:0] q_s, q_u;
    // where column i of the write stage goes: r_addr + i, or (M-split) segment i/COLS's row,
    // r_step = rows per segment * N further on per segment, column i % COLS of it
    wire [HB-1:0] w_addr [0:WC-1];
    wire [WC-1:0] w_en;
    genvar g;
    generate
        for (g = 0; g < WC; g = g + 1) begin : wport
            localparam integer BLK = g / COLS;
            localparam integer COL = g % COLS;
            localparam [HB-1:0] COL_A = COL;
            localparam [HB-1:0] G_A = g;
            wire [HB-1:0] seg_base = r_addr[HB-1:0] + BLK * r_step;
            assign w_addr[g] = r_msplit ? seg_base + COL_A : r_addr[HB-1:0] + G_A;
            assign w_en[g] = r_msplit ? r_blocks[BLK] && COL < r_cols : g < r_cols;
        end
    endgenerate
    generate
        for (g = 0; g < WC; g = g + 1) begin : rq
            ff_requant #(
                .IN_W(ACC_W), .IN_SIGNED(1), .MULT_W(MULT_W), .SHIFT_W(SHIFT_W),
                .OUT_W(ACT_W), .OUT_SIGNED(1), .ROUNDING(ROUNDING), .OVERFLOW(OVERFLOW)
            ) u_s (
                .acc(r_in[g*ACC_W +: ACC_W]),
                .mult(r_q[g*RQ_W+SHIFT_W +: MULT_W]),
                .shift(r_q[g*RQ_W +: SHIFT_W]),
                .q(q_s[g*ACT_W +: ACT_W])
            );
            ff_requant #(
                .IN_W(ACC_W), .IN_SIGNED(1), .MULT_W(MULT_W), .SHIFT_W(SHIFT_W),
                .OUT_W(ACT_W), .OUT_SIGNED(0), .ROUNDING(ROUNDING), .OVERFLOW(OVERFLOW)
            ) u_u (
                .acc(r_in[g*ACC_W +: ACC_W]),
                .mult(r_q[g*RQ_W+SHIFT_W +: MULT_W]),
                .shift(r_q[g*RQ_W +: SHIFT_W]),
                .q(q_u[g*ACT_W +: ACT_W])
            );
        end
    endgenerate

    // ---- output stream ---------------------------------------------------------------------
    assign s_ready = state == S_LOAD;
    assign m_valid = state == S_OUT;
    reg [HB-1:0] oa;
    always @* begin
        for (i = 0; i < OUT_N; i = i + 1) begin
            oa = count + i;
            m_data[i*ACT_W +: ACT_W] = act[{src, oa}];
        end
    end

    always @(posedge clk) begin
        // accumulate stage
        if (a_valid && !a_last) accmem[a_mi] <= total;
        r_valid <= a_valid && a_last;
        if (a_valid && a_last) begin
            r_acc <= total;
            r_q <= rq_row;
            r_relu <= a_relu;
            r_out_signed <= a_out_signed;
            r_dst <= a_dst;
            r_addr <= a_m * a_n + a_n0;
            r_cols <= a_n - a_n0;
            r_msplit <= a_msplit;
            r_step <= a_seg * a_n;
            for (i = 0; i < SMAX; i = i + 1)
                r_blocks[i] <= i < (1 << a_slog) && a_mi + i * a_seg < a_rest;
        end
        // write stage: the row's columns, or (M-split) each segment's row's columns
        if (r_valid)
            for (i = 0; i < WC; i = i + 1)
                if (w_en[i])
                    act[{r_dst, w_addr[i]}] <= r_out_signed ? q_s[i*ACT_W +: ACT_W] : q_u[i*ACT_W +: ACT_W];
        // the load burst of the next pass's tile, into the bank this pass does not read
        if (ld_busy) begin
            if (ld_bank) w_bank1[ld_row] <= w_row_load;
            else w_bank0[ld_row] <= w_row_load;
            ld_addr <= ld_addr + 16'd1;
            ld_row <= ld_row + 1'b1;
            if (ld_row == ROWS - 1) ld_busy <= 1'b0;
        end
        if (state == S_PASS && has_next && pc == COLS - 1) begin
            ld_busy <= 1'b1;
            ld_bank <= ~bank;
            ld_addr <= c_wbase + t_next;
            ld_row <= 0;
        end
        if (rst) begin
            state <= S_LOAD;
            layer <= 0;
            count <= 0;
            wl <= 0;
            pc <= 0;
            kt_i <= 0;
            nt_i <= 0;
            m0 <= 0;
            src <= 1'b0;
            drain <= 2'd0;
            r_valid <= 1'b0;
            bank <= 1'b0;
            ld_busy <= 1'b0;
        end else begin
            case (state)
                S_LOAD: if (s_valid) begin
                    for (i = 0; i < IN_N; i = i + 1) act[{1'b0, count[HB-1:0] + i[HB-1:0]}] <= s_data[i*ACT_W +: ACT_W];
                    if (count + IN_N >= IN_ELEMS) begin
                        count <= 0;
                        wl <= 0;
                        state <= S_WLOAD;
                    end else begin
                        count <= count + IN_N;
                    end
                end
                S_WLOAD: begin
                    // the layer's first tile (nt = 0, kt = 0) straight into the array
                    w_bank0[wl] <= w_row_first;
                    if (wl == ROWS - 1) begin
                        wl <= 0;
                        pc <= 0;
                        bank <= 1'b0;
                        t_cur <= 16'd0;
                        t_nt <= 16'd0;
                        kt_i <= 0;
                        nt_i <= 0;
                        m0 <= 0;
                        state <= S_PASS;
                    end else begin
                        wl <= wl + 1;
                    end
                end
                S_PASS: begin
                    if (pc == p_len - 1) begin
                        pc <= 0;
                        if (has_next) begin
                            bank <= ~bank;
                            t_cur <= t_next;
                            if (last_kt && last_chunk) t_nt <= t_next;
                            kt_i <= n_kt;
                            m0 <= n_m0;
                            nt_i <= n_nt;
                        end else begin
                            src <= ~src;
                            if (layer == LAYERS - 1) begin
                                layer <= 0;
                                drain <= 2'd0;
                                state <= S_DRAIN;
                            end else begin
                                layer <= layer + 1;
                                wl <= 0;
                                state <= S_WLOAD;
                            end
                        end
                    end else begin
                        pc <= pc + 1;
                    end
                end
                S_DRAIN: begin
                    // accumulate, then requantize and write the last row
                    drain <= drain + 2'd1;
                    if (drain == 2'd1) begin
                        count <= 0;
                        state <= S_OUT;
                    end
                end
                default: if (m_ready) begin
                    if (count + OUT_N >= OUT_ELEMS) begin
                        count <= 0;
                        src <= 1'b0;
                        state <= S_LOAD;
                    end else begin
                        count <= count + OUT_N;
                    end
                end
            endcase
        end
    end
endmodule
`default_nettype wire
