// fpgaforge RTL library: tiled GEMM engine for a chain of Dense layers (batch 1).
// A ROWS x COLS MAC array walks each layer's tile loop as told by a command ROM
// (CMD_FILE, one word per layer: {out_signed, in_signed, relu, tile_base, w_base,
// col_tiles, row_tiles}, 16 bits per count/base). Weights come from WEIGHT_FILE (one
// ROWS x COLS tile per word, row-major, element 0 in the low bits), bias and requant
// words from BIAS_FILE / RQ_FILE (one word per row tile). Activations live in two
// ping-pong buffers of ACT_DEPTH elements (input, then each layer's output in the other
// buffer). The weight tile and the activation chunk are fetched into registers one cycle
// ahead of the MAC (a double-buffered tile), so one tile is multiplied per cycle.
// Phases: load IN_ELEMS codes (IN_N per beat), run the layers, stream OUT_ELEMS codes
// (OUT_N per beat) from the last layer's buffer.
`default_nettype none
module ff_tiled_gemm #(
    parameter integer ROWS       = 4,
    parameter integer COLS       = 4,
    parameter integer ACT_W      = 8,
    parameter integer WT_W       = 8,
    parameter integer ACC_W      = 24,
    parameter integer MULT_W     = 16,
    parameter integer SHIFT_W    = 8,
    parameter integer ROUNDING   = 1,
    parameter integer OVERFLOW   = 1,
    parameter integer LAYERS     = 1,
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
    localparam integer CMD_W = 67;
    localparam integer RQ_W = MULT_W + SHIFT_W;
    localparam integer AB = $clog2(2 * ACT_DEPTH);
    localparam [1:0] S_LOAD = 2'd0, S_RUN = 2'd1, S_DRAIN = 2'd2, S_OUT = 2'd3;

    reg [CMD_W-1:0] cmd_rom [0:LAYERS-1];
    reg [ROWS*COLS*WT_W-1:0] wrom [0:WDEPTH-1];
    reg [ROWS*ACC_W-1:0] brom [0:TDEPTH-1];
    reg [ROWS*RQ_W-1:0] qrom [0:TDEPTH-1];
    reg [ACT_W-1:0] act [0:2*ACT_DEPTH-1];
    integer z;
    initial begin
        $readmemh(CMD_FILE, cmd_rom);
        $readmemh(WEIGHT_FILE, wrom);
        $readmemh(BIAS_FILE, brom);
        $readmemh(RQ_FILE, qrom);
        for (z = 0; z < 2 * ACT_DEPTH; z = z + 1) act[z] = {ACT_W{1'b0}};
    end

    reg [1:0] state;
    integer layer, nf, sf, count;
    reg src;
    wire [CMD_W-1:0] cmd = cmd_rom[layer];
    wire [15:0] row_tiles = cmd[15:0];
    wire [15:0] col_tiles = cmd[31:16];
    wire [15:0] w_base = cmd[47:32];
    wire [15:0] t_base = cmd[63:48];
    wire relu = cmd[64];
    wire in_signed = cmd[65];
    wire out_signed = cmd[66];

    // fetch stage: weight tile and activation chunk of tile (nf, sf)
    reg f_valid, f_first, f_last;
    reg [ROWS*COLS*WT_W-1:0] f_w;
    reg [COLS*ACT_W-1:0] f_x;
    reg [ROWS*ACC_W-1:0] f_b;
    reg [ROWS*RQ_W-1:0] f_q;
    reg f_relu, f_in_signed, f_out_signed, f_dst;
    integer f_nf;
    // write stage: finished accumulators of one row tile
    reg r_valid, r_relu, r_out_signed, r_dst;
    reg [ROWS*ACC_W-1:0] r_acc;
    reg [ROWS*RQ_W-1:0] r_q;
    integer r_nf;

    reg signed [ACC_W-1:0] acc [0:ROWS-1];
    reg signed [ACC_W-1:0] acc_new [0:ROWS-1];
    reg signed [ACT_W:0] xv;
    reg signed [WT_W-1:0] wv;
    integer r, c;
    always @* begin
        for (r = 0; r < ROWS; r = r + 1) begin
            acc_new[r] = f_first ? $signed(f_b[r*ACC_W +: ACC_W]) : acc[r];
            for (c = 0; c < COLS; c = c + 1) begin
                xv = f_in_signed ? $signed({f_x[c*ACT_W+ACT_W-1], f_x[c*ACT_W +: ACT_W]})
                                 : $signed({1'b0, f_x[c*ACT_W +: ACT_W]});
                wv = $signed(f_w[(r*COLS+c)*WT_W +: WT_W]);
                acc_new[r] = acc_new[r] + xv * wv;
            end
        end
    end

    // requant of the write stage (one signed and one unsigned requant per row)
    wire [ROWS*ACT_W-1:0] q_s, q_u;
    reg [ROWS*ACC_W-1:0] r_in;
    always @* begin
        for (r = 0; r < ROWS; r = r + 1)
            r_in[r*ACC_W +: ACC_W] = (r_relu && r_acc[r*ACC_W+ACC_W-1]) ? {ACC_W{1'b0}} : r_acc[r*ACC_W +: ACC_W];
    end
    genvar g;
    generate
        for (g = 0; g < ROWS; g = g + 1) begin : rq
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

    assign s_ready = state == S_LOAD;
    assign m_valid = state == S_OUT;
    integer i;
    always @* begin
        for (i = 0; i < OUT_N; i = i + 1)
            m_data[i*ACT_W +: ACT_W] = act[{src, {AB-1{1'b0}}} + count + i];
    end

    wire last_tile = (sf == col_tiles - 1) && (nf == row_tiles - 1);
    always @(posedge clk) begin
        if (rst) begin
            state <= S_LOAD;
            layer <= 0;
            nf <= 0;
            sf <= 0;
            count <= 0;
            src <= 1'b0;
            f_valid <= 1'b0;
            r_valid <= 1'b0;
        end else begin
            // write stage
            if (r_valid)
                for (i = 0; i < ROWS; i = i + 1)
                    act[{r_dst, {AB-1{1'b0}}} + r_nf * ROWS + i] <= r_out_signed ? q_s[i*ACT_W +: ACT_W] : q_u[i*ACT_W +: ACT_W];
            // MAC stage
            r_valid <= f_valid && f_last;
            if (f_valid) begin
                for (i = 0; i < ROWS; i = i + 1) acc[i] <= acc_new[i];
                if (f_last) begin
                    for (i = 0; i < ROWS; i = i + 1) r_acc[i*ACC_W +: ACC_W] <= acc_new[i];
                    r_q <= f_q;
                    r_relu <= f_relu;
                    r_out_signed <= f_out_signed;
                    r_dst <= f_dst;
                    r_nf <= f_nf;
                end
            end
            f_valid <= 1'b0;
            case (state)
                S_LOAD: if (s_valid) begin
                    for (i = 0; i < IN_N; i = i + 1) act[count + i] <= s_data[i*ACT_W +: ACT_W];
                    if (count + IN_N >= IN_ELEMS) begin
                        count <= 0;
                        state <= S_RUN;
                    end else begin
                        count <= count + IN_N;
                    end
                end
                S_RUN: begin
                    // fetch tile (nf, sf) of this layer
                    f_valid <= 1'b1;
                    f_first <= sf == 0;
                    f_last <= sf == col_tiles - 1;
                    f_w <= wrom[w_base + nf * col_tiles + sf];
                    for (i = 0; i < COLS; i = i + 1)
                        f_x[i*ACT_W +: ACT_W] <= act[{src, {AB-1{1'b0}}} + sf * COLS + i];
                    f_b <= brom[t_base + nf];
                    f_q <= qrom[t_base + nf];
                    f_relu <= relu;
                    f_in_signed <= in_signed;
                    f_out_signed <= out_signed;
                    f_dst <= ~src;
                    f_nf <= nf;
                    if (sf == col_tiles - 1) begin
                        sf <= 0;
                        nf <= nf + 1;
                    end else begin
                        sf <= sf + 1;
                    end
                    if (last_tile) state <= S_DRAIN;
                end
                S_DRAIN: if (!f_valid && !r_valid) begin
                    nf <= 0;
                    sf <= 0;
                    src <= ~src;
                    if (layer == LAYERS - 1) begin
                        layer <= 0;
                        state <= S_OUT;
                    end else begin
                        layer <= layer + 1;
                        state <= S_RUN;
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
