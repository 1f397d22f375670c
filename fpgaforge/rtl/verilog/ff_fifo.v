// fpgaforge RTL library: synchronous FIFO (first-word fall-through), DEPTH entries of W bits.
`default_nettype none
module ff_fifo #(
    parameter integer W     = 8,
    parameter integer DEPTH = 4
) (
    input  wire         clk,
    input  wire         rst,
    input  wire [W-1:0] s_data,
    input  wire         s_valid,
    output wire         s_ready,
    output wire [W-1:0] m_data,
    output wire         m_valid,
    input  wire         m_ready
);
    localparam integer AB = DEPTH > 1 ? $clog2(DEPTH) : 1;
    reg [W-1:0] mem [0:DEPTH-1];
    reg [AB-1:0] rd, wr;
    reg [AB:0] count;
    wire push = s_valid && s_ready;
    wire pop = m_valid && m_ready;
    assign s_ready = count < DEPTH;
    assign m_valid = count != 0;
    assign m_data = mem[rd];
    always @(posedge clk) begin
        if (rst) begin
            rd <= 0;
            wr <= 0;
            count <= 0;
        end else begin
            if (push) begin
                mem[wr] <= s_data;
                wr <= (wr == DEPTH - 1) ? 0 : wr + 1'b1;
            end
            if (pop) rd <= (rd == DEPTH - 1) ? 0 : rd + 1'b1;
            count <= count + (push ? 1'b1 : 1'b0) - (pop ? 1'b1 : 1'b0);
        end
    end
endmodule
`default_nettype wire
