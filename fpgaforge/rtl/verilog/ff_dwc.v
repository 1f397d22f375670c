// fpgaforge RTL library: stream data-width converter, IN_N elements per input beat
// to OUT_N elements per output beat (element order kept, element 0 in the low bits).
// A beat is accepted in the same cycle one leaves when the space frees up; a downsizer
// (IN_N > OUT_N) keeps SPARE spare input beats so a burst of up to SPARE wide beats (e.g.
// the channel groups of one pooled pixel) does not stall its producer: latency 1 cycle.
`default_nettype none
module ff_dwc #(
    parameter integer EW    = 8,
    parameter integer IN_N  = 1,
    parameter integer OUT_N = 1,
    parameter integer SPARE = 2
) (
    input  wire                clk,
    input  wire                rst,
    input  wire [IN_N*EW-1:0]  s_data,
    input  wire                s_valid,
    output wire                s_ready,
    output wire [OUT_N*EW-1:0] m_data,
    output wire                m_valid,
    input  wire                m_ready
);
    generate
        if (IN_N == OUT_N) begin : pass
            assign m_data = s_data;
            assign m_valid = s_valid;
            assign s_ready = m_ready;
        end else begin : conv
            localparam integer CAP = IN_N + OUT_N + (IN_N > OUT_N ? SPARE * IN_N : 0);
            localparam integer CB = $clog2(CAP + 1);
            reg [CAP*EW-1:0] buffer;
            reg [CB-1:0] count;
            wire pop = m_valid && m_ready;
            wire push = s_valid && s_ready;
            wire [CB-1:0] kept = pop ? count - OUT_N : count;
            wire [CAP*EW-1:0] shifted = pop ? (buffer >> (OUT_N*EW)) : buffer;
            wire [CAP*EW-1:0] incoming = {{(CAP-IN_N)*EW{1'b0}}, s_data};
            assign s_ready = (kept + IN_N <= CAP);
            assign m_valid = (count >= OUT_N);
            assign m_data = buffer[OUT_N*EW-1:0];
            always @(posedge clk) begin
                if (rst) begin
                    count <= 0;
                    buffer <= {CAP*EW{1'b0}};
                end else begin
                    buffer <= push ? (shifted | (incoming << (kept*EW))) : shifted;
                    count <= push ? kept + IN_N : kept;
                end
            end
        end
    endgenerate
endmodule
`default_nettype wire
