// fpgaforge RTL library: sliding-window unit for streaming convolution.
// Input: an HWC pixel stream, IN_N channels per beat. Output: for each output
// pixel (row-major), the im2col window vector [KH][KW][C] (channel fastest) in
// chunks of SIMD elements, MW/SIMD beats per output pixel. Zero padding (PT/PL,
// bottom and right implied by OH/OW). The line buffer holds one frame; the writer
// of the next frame only overwrites rows the current window no longer needs, and
// a window is emitted as soon as its last pixel has been written. Frame counters are two
// bits: when stride leaves the last rows/columns unused, the reader may finish a frame
// before the writer does (ahead = 3) and then waits for the next frame's pixels.
// Depthwise order (DW_PE > 0, for ff_vvau): the window vector is [C*DW_M/DW_PE][KH][KW][DW_PE],
// DW_PE output-channel lanes fastest; lane l of group g carries input channel
// (g*DW_PE + l)/DW_M, so each input channel is repeated for its DW_M filters. A beat of SIMD
// elements is then SIMD/DW_PE kernel taps of DW_PE lanes, and MW = KH*KW*C*DW_M.
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
    localparam integer NPIX = H * W;
    // depthwise order: index arithmetic on JW-bit values (window positions < MW), so the
    // divisions by constants stay small
    localparam integer JW = $clog2(MW + 1) + 1;
    localparam [JW-1:0] DPN = DP;
    localparam [JW-1:0] TAPSN = KH * KW;
    localparam [JW-1:0] GRPN = KH * KW * DP;
    localparam [JW-1:0] KWN = KW;
    localparam [JW-1:0] DWMN = DW_M;

    reg [EW-1:0] fb [0:NPIX*C-1];

    // writer: pixel index, channel group, frame parity
    integer wpix, wcg;
    reg [1:0] wframe;
    // reader: output row, column, chunk, frame parity
    integer oy, ox, sf;
    reg [1:0] rframe;
    wire [1:0] ahead = wframe - rframe;

    integer need_row, need_col, need_pix, min_row;
    always @* begin
        need_row = oy * SH - PT + KH - 1;
        if (need_row > H - 1) need_row = H - 1;
        need_col = ox * SW - PL + KW - 1;
        if (need_col > W - 1) need_col = W - 1;
        need_pix = need_row * W + need_col;
        min_row = oy * SH - PT;
        if (min_row < 0) min_row = 0;
    end

    assign s_ready = (ahead != 2'd1) || (wpix / W < min_row);
    assign m_valid = (ahead == 2'd1) || (ahead == 2'd0 && wpix > need_pix);

    integer l, j, ky, kx, c, iy, ix;
    reg [JW-1:0] jd, tq, dky, dkx, dc;
    always @* begin
        for (l = 0; l < SIMD; l = l + 1) begin
            j = sf * SIMD + l;
            jd = j;
            tq = jd / DPN;
            dky = (tq % TAPSN) / KWN;
            dkx = tq % KWN;
            dc = ((jd / GRPN) * DPN + jd % DPN) / DWMN;
            if (DW_PE > 0) begin
                ky = dky;
                kx = dkx;
                c = dc;
            end else begin
                ky = j / (KW * C);
                kx = (j / C) % KW;
                c = j % C;
            end
            iy = oy * SH - PT + ky;
            ix = ox * SW - PL + kx;
            if (iy < 0 || iy >= H || ix < 0 || ix >= W) m_data[l*EW +: EW] = {EW{1'b0}};
            else m_data[l*EW +: EW] = fb[(iy * W + ix) * C + c];
        end
    end

    integer i;
    always @(posedge clk) begin
        if (rst) begin
            wpix <= 0;
            wcg <= 0;
            wframe <= 2'd0;
            oy <= 0;
            ox <= 0;
            sf <= 0;
            rframe <= 2'd0;
        end else begin
            if (s_valid && s_ready) begin
                for (i = 0; i < IN_N; i = i + 1) fb[wpix * C + wcg * IN_N + i] <= s_data[i*EW +: EW];
                if (wcg == CG - 1) begin
                    wcg <= 0;
                    if (wpix == NPIX - 1) begin
                        wpix <= 0;
                        wframe <= wframe + 2'd1;
                    end else begin
                        wpix <= wpix + 1;
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
                        if (oy == OH - 1) begin
                            oy <= 0;
                            rframe <= rframe + 2'd1;
                        end else begin
                            oy <= oy + 1;
                        end
                    end else begin
                        ox <= ox + 1;
                    end
                end else begin
                    sf <= sf + 1;
                end
            end
        end
    end
endmodule
`default_nettype wire
