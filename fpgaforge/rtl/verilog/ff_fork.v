// fpgaforge RTL library: broadcast one stream to two readers (eager fork). Each output
// takes the beat once; the input beat retires when both have taken it. Combinational
// (no register stage); m*_valid never depends on m*_ready.
`default_nettype none
module ff_fork #(
    parameter integer W = 8
) (
    input  wire         clk,
    input  wire         rst,
    input  wire [W-1:0] s_data,
    input  wire         s_valid,
    output wire         s_ready,
    output wire [W-1:0] m0_data,
    output wire         m0_valid,
    input  wire         m0_ready,
    output wire [W-1:0] m1_data,
    output wire         m1_valid,
    input  wire         m1_ready
);
    reg taken0, taken1;
    assign m0_data = s_data;
    assign m1_data = s_data;
    assign m0_valid = s_valid && !taken0;
    assign m1_valid = s_valid && !taken1;
    assign s_ready = (taken0 || m0_ready) && (taken1 || m1_ready);
    always @(posedge clk) begin
        if (rst) begin
            taken0 <= 1'b0;
            taken1 <= 1'b0;
        end else if (s_valid && s_ready) begin
            taken0 <= 1'b0;
            taken1 <= 1'b0;
        end else begin
            if (m0_valid && m0_ready) taken0 <= 1'b1;
            if (m1_valid && m1_ready) taken1 <= 1'b1;
        end
    end
endmodule
`default_nettype wire
