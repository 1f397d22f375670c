// fpgaforge RTL library: activation by lookup table. Each lane indexes a ROM of
// 2**IDX_W entries (LUT_FILE, $readmemh) with the top IDX_W bits of its input code
// (two's complement bits, i.e. the code modulo 2**IN_W, shifted right by IN_W-IDX_W).
// One register stage.
`default_nettype none
module ff_lutact #(
    parameter integer IN_W  = 8,
    parameter integer IDX_W = 8,
    parameter integer OUT_W = 8,
    parameter integer LANES = 1,
    parameter        LUT_FILE = "lut.hex"
) (
    input  wire                   clk,
    input  wire                   rst,
    input  wire [LANES*IN_W-1:0]  s_data,
    input  wire                   s_valid,
    output wire                   s_ready,
    output reg  [LANES*OUT_W-1:0] m_data,
    output reg                    m_valid,
    input  wire                   m_ready
);
    reg [OUT_W-1:0] rom [0:(1<<IDX_W)-1];
    initial $readmemh(LUT_FILE, rom);
    assign s_ready = !m_valid || m_ready;
    integer l;
    reg [LANES*OUT_W-1:0] y;
    always @* begin
        for (l = 0; l < LANES; l = l + 1)
            y[l*OUT_W +: OUT_W] = rom[s_data[l*IN_W+IN_W-IDX_W +: IDX_W]];
    end
    always @(posedge clk) begin
        if (rst) m_valid <= 1'b0;
        else begin
            if (m_valid && m_ready) m_valid <= 1'b0;
            if (s_valid && s_ready) begin
                m_data <= y;
                m_valid <= 1'b1;
            end
        end
    end
endmodule
`default_nettype wire
