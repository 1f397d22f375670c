// fpgaforge RTL library: a function by table on fixed-point codes (IntTable: SiLU, softplus,
// exp of a Mamba-2 decode step), LANES codes per beat.
//     t = shift_round(x, SHIFT_T) - LO          (SHIFT_T = frac_in - frac_t; LO: the table's
//                                                 first index at frac_t)
//     y = TABLE[clamp(t, 0, SIZE - 1)]          (TABLE_FILE, $readmemh, signed TAB_W entries)
//     IDENTITY != 0 and t >= SIZE: y = shift_round(x, SHIFT_O)   (SHIFT_O = frac_in - frac_out)
// shift_round(v, s) = (v + 2^(s-1)) >> s for s > 0 (half up), v << -s for s <= 0. Three
// register stages (index, clamp, table read), one beat per cycle; a stalled output stalls
// the pipeline.
`default_nettype none
module ff_int_table #(
    parameter integer LANES    = 1,
    parameter integer IN_W     = 16,
    parameter integer OUT_W    = 16,
    parameter integer TAB_W    = 16,
    parameter integer SIZE     = 4096,
    parameter integer IDX_W    = 12,
    parameter integer SHIFT_T  = 0,
    parameter integer LO       = 0,
    parameter integer SHIFT_O  = 0,
    parameter integer IDENTITY = 0,
    parameter         TABLE_FILE = "table.hex"
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
    localparam integer XW = IN_W + 40;  // codes, left shifts up to 32 bits and the offset

    function automatic signed [XW-1:0] rnd(input signed [XW-1:0] v, input integer s);
        reg signed [XW-1:0] half;
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

    wire adv = !m_valid || m_ready;
    assign s_ready = adv;
    reg v1, v2;

    genvar l;
    generate
        for (l = 0; l < LANES; l = l + 1) begin : lane
            reg [TAB_W-1:0] rom [0:SIZE-1];
            initial $readmemh(TABLE_FILE, rom);
            wire signed [XW-1:0] x = {{(XW-IN_W){s_data[l*IN_W+IN_W-1]}}, s_data[l*IN_W +: IN_W]};
            wire signed [XW-1:0] lo = LO;
            reg signed [XW-1:0] t1, same1, same2;
            reg [IDX_W-1:0] idx2;
            reg above2;
            wire signed [XW-1:0] entry = {{(XW-TAB_W){rom[idx2][TAB_W-1]}}, rom[idx2]};
            always @(posedge clk) begin
                if (adv) begin
                    t1 <= rnd(x, SHIFT_T) - lo;
                    same1 <= rnd(x, SHIFT_O);
                    above2 <= t1 >= SIZE;
                    idx2 <= t1 < 0 ? {IDX_W{1'b0}} : (t1 >= SIZE ? SIZE - 1 : t1[IDX_W-1:0]);
                    same2 <= same1;
                    m_data[l*OUT_W +: OUT_W] <= (IDENTITY != 0 && above2) ? same2[OUT_W-1:0]
                                                                         : entry[OUT_W-1:0];
                end
            end
        end
    endgenerate

    always @(posedge clk) begin
        if (rst) begin
            v1 <= 1'b0;
            v2 <= 1'b0;
            m_valid <= 1'b0;
        end else if (adv) begin
            v1 <= s_valid;
            v2 <= v1;
            m_valid <= v2;
        end
    end
endmodule
`default_nettype wire
