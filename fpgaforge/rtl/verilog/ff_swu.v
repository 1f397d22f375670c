// fpgaforge RTL library: sliding-window unit (line buffer) for streaming convolution.
// Input: an HWC pixel stream, IN_N channels per beat. Output: for each output pixel
// (row-major), the im2col window vector [KH][KW][C] (channel fastest) in chunks of SIMD
// elements, MW/SIMD beats per output pixel. Zero padding (PT/PL, bottom and right implied
// by OH/OW; PT < KH, PL < KW).
// The line buffer is a ring of NR = min(H, KH + SH) input rows, one word of IN_N channels
// per input beat at address {slot, column, channel group} (power-of-two fields). The writer may fill a row once every window from the current output row
// on no longer needs the row it replaces, so the next output row's KH + SH - 1 rows can
// arrive while the current one is read; a window is emitted as soon as its last pixel has
// been written. Frame counters are two bits: when stride leaves the last rows/columns
// unused, the reader may finish a frame before the writer does (ahead = 3) and then waits
// for the next frame's pixels.
// Reads: in im2col order IN_N = min(SIMD, C) and C or SIMD is a multiple of the other, so
// each group of IN_N lanes is one word (SIMD/IN_N read ports). Depthwise order (DW_PE > 0,
// for ff_vvau): the window vector is [C*DW_M/DW_PE][KH][KW][DW_PE], DW_PE output-channel
// lanes fastest; lane l of group g carries input channel (g*DW_PE + l)/DW_M, so each input
// channel is repeated for its DW_M filters, and every lane has its own read port. A beat of
// SIMD elements is then SIMD/DW_PE kernel taps of DW_PE lanes, and MW = KH*KW*C*DW_M.
`default_nettype none
module ff_swu #(
    parameter integer EW   = 8,
    parameter integer C    = 1,
    parameter integer H    = 4,
    parameter integer W    = 4,
    parameter integer KH   = 3,
    parameter integer KW   = 3,
    parameter integer SH   = 1,
    parameter integer SW   = 1,
    parameter integer PT   = 1,
    parameter integer PL   = 1,
    parameter integer OH   = 4,
    parameter integer OW   = 4,
    parameter integer IN_N = 1,
    parameter integer SIMD = 1,
    parameter integer DW_PE = 0,
    parameter integer DW_M = 1
) (
    input  wire               clk,
    input  wire               rst,
    input  wire [IN_N*EW-1:0] s_data,
    input  wire               s_valid,
    output wire               s_ready,
    output reg  [SIMD*EW-1:0] m_data,
    output wire               m_valid,
    input  wire               m_ready
);
    localparam integer DP = DW_PE > 0 ? DW_PE : 1;
    localparam integer MW = KH * KW * C * (DW_PE > 0 ? DW_M : 1);
    localparam integer SF = MW / SIMD;
    localparam integer CG = C / IN_N;
    localparam integer NR = KH + SH < H ? KH + SH : H;
    // read ports and the lanes each one feeds
    localparam integer RP = DW_PE > 0 ? SIMD : SIMD / IN_N;
    localparam integer LPP = SIMD / RP;
    // counter widths
    localparam integer CGW = $clog2(CG + 1);
    localparam integer XW = $clog2(W + 1);
    localparam integer SLW = $clog2(NR + 1);
    localparam integer SFW = $clog2(SF + 1);
    // row and column positions (padded coordinates, the writer up to a frame ahead)
    localparam integer PW = $clog2(2 * H + 2 * KH + 2 * SH + W + KW + SW + PT + PL + 2) + 1;
    // word address {ring slot, column, channel group}: power-of-two fields, no multipliers
    localparam integer XAW = W > 1 ? $clog2(W) : 0;
    localparam integer GAW = CG > 1 ? $clog2(CG) : 0;
    localparam integer SAW = NR > 1 ? $clog2(NR) : 0;
    localparam integer AW = SAW + XAW + GAW > 0 ? SAW + XAW + GAW : 1;
    localparam integer WORDS = NR << (XAW + GAW);
    // tap and channel fields of a port (< MW)
    localparam integer JW = $clog2(MW + 1) + 1;

    reg [IN_N*EW-1:0] lb [0:WORDS-1];

    // writer: channel group, column, frame row, ring slot, frame parity
    reg [CGW-1:0] wcg;
    reg [XW-1:0]  wcol;
    reg [PW-1:0]  wrow;
    reg [SLW-1:0] wslot;
    reg [1:0]     wframe;
    // reader: output row/column and chunk, their input positions oy*SH and ox*SW, the ring
    // slot of input row oy*SH - PT and of the frame's row 0, frame parity
    reg [PW-1:0]  oy, ox, ypos, xpos;
    reg [SFW-1:0] sf;
    reg [SLW-1:0] stop, sframe;
    reg [1:0]     rframe;
    wire [1:0] ahead = wframe - rframe;

    // oldest row any window from the current output row on reads; the last pixel of the
    // current window (padded coordinates minus the pads, clamped to the frame)
    wire [PW-1:0] min_row = ypos > PT ? ypos - PT : {PW{1'b0}};
    wire [PW-1:0] last_row = ypos + KH - 1 - PT > H - 1 ? H - 1 : ypos + KH - 1 - PT;
    wire [PW-1:0] last_col = xpos + KW - 1 - PL > W - 1 ? W - 1 : xpos + KW - 1 - PL;
    wire [PW-1:0] wrow_rel = ahead == 2'd1 ? wrow + H : wrow;
    wire window_written = wrow > last_row || (wrow == last_row && wcol > last_col);

    assign s_ready = ahead == 2'd3 || ((ahead == 2'd0 || ahead == 2'd1) && wrow_rel < min_row + NR);
    assign m_valid = ahead == 2'd1 || (ahead == 2'd0 && window_written);

    // per read port: kernel tap and channel of its first lane (constants per chunk sf,
    // selected by sf), ring slot and word address
    integer p, e, q;
    reg [JW-1:0] ky, kx, ch;
    reg [PW-1:0] iy, ix, col;
    reg [SLW-1:0] slot;
    reg [AW-1:0] addr;
    reg [IN_N*EW-1:0] word;
    reg [JW-1:0] el;
    always @* begin
        m_data = {SIMD*EW{1'b0}};
        for (p = 0; p < RP; p = p + 1) begin
            ky = {JW{1'b0}};
            kx = {JW{1'b0}};
            ch = {JW{1'b0}};
            for (q = 0; q < SF; q = q + 1) begin
                if (sf == q) begin
                    if (DW_PE > 0) begin
                        ky = (((q * SIMD + p * LPP) / DP) % (KH * KW)) / KW;
                        kx = ((q * SIMD + p * LPP) / DP) % KW;
                        ch = (((q * SIMD + p * LPP) / (KH * KW * DP)) * DP
                              + (q * SIMD + p * LPP) % DP) / DW_M;
                    end else begin
                        ky = (q * SIMD + p * LPP) / (KW * C);
                        kx = ((q * SIMD + p * LPP) / C) % KW;
                        ch = (q * SIMD + p * LPP) % C;
                    end
                end
            end
            iy = ypos + ky;
            ix = xpos + kx;
            col = ix - PL;
            if (KH <= NR + 1) slot = stop + ky >= NR ? stop + ky - NR : stop + ky;
            else slot = (stop + ky) % NR;
            addr = (slot << (XAW + GAW)) + (col << GAW) + ch / IN_N;
            word = lb[addr];
            for (e = 0; e < LPP; e = e + 1) begin
                el = ch % IN_N + e;
                if (iy + 1 > PT && iy < H + PT && ix + 1 > PL && ix < W + PL)
                    m_data[(p * LPP + e)*EW +: EW] = word[el*EW +: EW];
            end
        end
    end

    wire [AW-1:0] waddr = (wslot << (XAW + GAW)) + (wcol << GAW) + wcg;
    always @(posedge clk) begin
        if (s_valid && s_ready) lb[waddr] <= s_data;
    end

    always @(posedge clk) begin
        if (rst) begin
            wcg <= 0;
            wcol <= 0;
            wrow <= 0;
            wslot <= 0;
            wframe <= 2'd0;
            oy <= 0;
            ox <= 0;
            ypos <= 0;
            xpos <= 0;
            sf <= 0;
            sframe <= 0;
            stop <= (NR - PT % NR) % NR;
            rframe <= 2'd0;
        end else begin
            if (s_valid && s_ready) begin
                if (wcg == CG - 1) begin
                    wcg <= 0;
                    if (wcol == W - 1) begin
                        wcol <= 0;
                        wslot <= wslot == NR - 1 ? 0 : wslot + 1;
                        if (wrow == H - 1) begin
                            wrow <= 0;
                            wframe <= wframe + 2'd1;
                        end else begin
                            wrow <= wrow + 1;
                        end
                    end else begin
                        wcol <= wcol + 1;
                    end
                end else begin
                    wcg <= wcg + 1;
                end
            end
            if (m_valid && m_ready) begin
                if (sf == SF - 1) begin
                    sf <= 0;
                    if (ox == OW - 1) begin
                        ox <= 0;
                        xpos <= 0;
                        if (oy == OH - 1) begin
                            oy <= 0;
                            ypos <= 0;
                            rframe <= rframe + 2'd1;
                            sframe <= (sframe + H % NR) % NR;
                            stop <= (sframe + H % NR + NR - PT % NR) % NR;
                        end else begin
                            oy <= oy + 1;
                            ypos <= ypos + SH;
                            stop <= (stop + SH) % NR;
                        end
                    end else begin
                        ox <= ox + 1;
                        xpos <= xpos + SW;
                    end
                end else begin
                    sf <= sf + 1;
                end
            end
        end
    end
endmodule
`default_nettype wire
