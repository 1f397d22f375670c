// fpgaforge RTL library: streaming pooling over an HWC stream, LANES channels per beat.
// Non-overlapping KH x KW windows (stride = kernel, no padding): MODE 0 = max,
// MODE 1 = sum (average pooling = sum followed by a requant stage). Global pooling is
// KH = H, KW = W. One row of partial results ((W/KW) x C) is kept; a pooled value
// leaves on the beat that completes its window.
`default_nettype none
module ff_pool #(
    parameter integer IN_W      = 8,
    parameter integer IN_SIGNED = 1,
    parameter integer OUT_W     = 8,
    parameter integer C         = 1,
    parameter integer W         = 2,
    parameter integer KH        = 2,
    parameter integer KW        = 2,
    parameter integer LANES     = 1,
    parameter integer MODE      = 0
) (
    input  wire                  clk,
    input  wire                  rst,
    input  wire [LANES*IN_W-1:0] s_data,
    input  wire                  s_valid,
    output wire                  s_ready,
    output reg  [LANES*OUT_W-1:0] m_data,
    output reg                   m_valid,
    input  wire                  m_ready
);
    localparam integer OW = W / KW;
    localparam integer CG = C / LANES;
    reg [OUT_W-1:0] part [0:OW*C-1];
    integer ky, kx, px, cg;

    wire first = (ky == 0) && (kx == 0);
    wire last = (ky == KH - 1) && (kx == KW - 1);
    wire out_ok = !last || !m_valid || m_ready;
    assign s_ready = out_ok;
    wire fire = s_valid && out_ok;

    reg [LANES*OUT_W-1:0] cur;
    reg signed [OUT_W:0] v, a;
    integer l;
    always @* begin
        for (l = 0; l < LANES; l = l + 1) begin
            v = IN_SIGNED != 0 ? $signed({{(OUT_W+1-IN_W){s_data[l*IN_W+IN_W-1]}}, s_data[l*IN_W +: IN_W]})
                               : $signed({{(OUT_W+1-IN_W){1'b0}}, s_data[l*IN_W +: IN_W]});
            a = IN_SIGNED != 0 ? $signed({part[px*C + cg*LANES + l][OUT_W-1], part[px*C + cg*LANES + l]})
                               : $signed({1'b0, part[px*C + cg*LANES + l]});
            if (first) cur[l*OUT_W +: OUT_W] = v[OUT_W-1:0];
            else if (MODE == 0) cur[l*OUT_W +: OUT_W] = (v > a) ? v[OUT_W-1:0] : a[OUT_W-1:0];
            else cur[l*OUT_W +: OUT_W] = v[OUT_W-1:0] + a[OUT_W-1:0];
        end
    end

    integer i;
    always @(posedge clk) begin
        if (rst) begin
            ky <= 0;
            kx <= 0;
            px <= 0;
            cg <= 0;
            m_valid <= 1'b0;
        end else begin
            if (m_valid && m_ready) m_valid <= 1'b0;
            if (fire) begin
                if (last) begin
                    m_data <= cur;
                    m_valid <= 1'b1;
                end else begin
                    for (i = 0; i < LANES; i = i + 1) part[px*C + cg*LANES + i] <= cur[i*OUT_W +: OUT_W];
                end
                if (cg == CG - 1) begin
                    cg <= 0;
                    if (kx == KW - 1) begin
                        kx <= 0;
                        if (px == OW - 1) begin
                            px <= 0;
                            ky <= (ky == KH - 1) ? 0 : ky + 1;
                        end else begin
                            px <= px + 1;
                        end
                    end else begin
                        kx <= kx + 1;
                    end
                end else begin
                    cg <= cg + 1;
                end
            end
        end
    end
endmodule
`default_nettype wire
