// fpgaforge RTL library: frame reordering (transpose) through a ping-pong frame buffer.
// A frame is ELEMS elements of EW bits, PE elements per beat on both sides (lane 0 in the
// low bits), BEATS = ELEMS/PE beats. Frames are written in arrival order into one of two
// banks while the other bank is read out in the order of the index ROM (ORDER_FILE,
// $readmemh): word b holds, for output beat b, one field of IW = WB + LB bits per output
// lane (lane 0 in the low bits): the input beat of that element in the high WB bits and its
// input lane in the low LB bits (WB = max(1, clog2(BEATS)), LB = max(1, clog2(PE))).
// Writing frame f+1 overlaps reading frame f; valid/ready back-pressure on both sides.
// Read pipeline: index ROM register, bank read register (one copy of the bank word per
// output lane), then a 2-beat output skid that takes the read data when m_ready is low.
// A bank is handed back to the writer when its last index is issued: the read of that
// index happens at the next clock edge, the writer's first write to it at that edge at the
// earliest, and a read port returns the data from before a write at the same edge.
// Timing at full rate: the read of a frame starts the cycle after its last input beat and
// its first beat leaves 2 cycles later; last output - first input + 1 = 2*BEATS + 2 cycles,
// last output - last input = BEATS + 2, one frame every BEATS cycles.
`default_nettype none
module ff_reorder #(
    parameter integer EW    = 8,
    parameter integer PE    = 1,
    parameter integer ELEMS = 4,
    parameter        ORDER_FILE = "order.hex"
) (
    input  wire             clk,
    input  wire             rst,
    input  wire [PE*EW-1:0] s_data,
    input  wire             s_valid,
    output wire             s_ready,
    output wire [PE*EW-1:0] m_data,
    output wire             m_valid,
    input  wire             m_ready
);
    localparam integer BEATS = ELEMS / PE;
    localparam integer WB = BEATS > 1 ? $clog2(BEATS) : 1;
    localparam integer LB = PE > 1 ? $clog2(PE) : 1;
    localparam integer IW = WB + LB;
    localparam integer AW = $clog2(2 * BEATS);

    // index ROM and the two banks (bank 1 at addresses BEATS .. 2*BEATS-1)
    reg [PE*IW-1:0] order [0:BEATS-1];
    initial $readmemh(ORDER_FILE, order);
    reg [PE*EW-1:0] mem [0:2*BEATS-1];

    // ---- write side: frames in arrival order, banks alternate -------------------------
    reg [1:0] full;
    reg wbank;
    reg [WB-1:0] wcnt;
    wire push = s_valid && s_ready;
    wire wlast = (wcnt == BEATS - 1);
    wire [AW-1:0] waddr = wbank ? BEATS + wcnt : wcnt;
    assign s_ready = !full[wbank];
    always @(posedge clk) begin
        if (push) mem[waddr] <= s_data;
    end

    // ---- read side: issue one ROM word per cycle while the skid has room -------------
    reg rbank;
    reg [WB-1:0] rcnt;
    reg s1_valid, s1_bank;
    reg [PE*IW-1:0] s1_idx;
    reg s2_valid;
    reg [1:0] fc;
    wire pop = m_valid && m_ready;
    // beats issued but not yet delivered must all fit in the skid if m_ready stays low
    wire room = ({1'b0, fc} + s1_valid + s2_valid - pop) < 2;
    wire issue = full[rbank] && room;
    wire rlast = (rcnt == BEATS - 1);
    wire [1:0] set_full = push && wlast ? (wbank ? 2'b10 : 2'b01) : 2'b00;
    wire [1:0] clr_full = issue && rlast ? (rbank ? 2'b10 : 2'b01) : 2'b00;

    always @(posedge clk) begin
        if (issue) s1_idx <= order[rcnt];
        if (issue) s1_bank <= rbank;
    end

    always @(posedge clk) begin
        if (rst) begin
            full <= 2'b00;
            wbank <= 1'b0;
            wcnt <= 0;
            rbank <= 1'b0;
            rcnt <= 0;
            s1_valid <= 1'b0;
            s2_valid <= 1'b0;
        end else begin
            full <= (full | set_full) & ~clr_full;
            if (push) begin
                wcnt <= wlast ? 0 : wcnt + 1'b1;
                if (wlast) wbank <= ~wbank;
            end
            if (issue) begin
                rcnt <= rlast ? 0 : rcnt + 1'b1;
                if (rlast) rbank <= ~rbank;
            end
            s1_valid <= issue;
            s2_valid <= s1_valid;
        end
    end

    // ---- bank read: each output lane reads its element's beat, then picks its lane ------
    wire [PE*EW-1:0] rdata;
    genvar k;
    generate
        for (k = 0; k < PE; k = k + 1) begin : lane
            wire [IW-1:0] field = s1_idx[k*IW +: IW];
            wire [WB-1:0] beat = field[IW-1:LB];
            wire [AW-1:0] raddr = s1_bank ? BEATS + beat : beat;
            reg [PE*EW-1:0] word;
            reg [LB-1:0] pick;
            always @(posedge clk) begin
                word <= mem[raddr];
                pick <= field[LB-1:0];
            end
            assign rdata[k*EW +: EW] = word[pick*EW +: EW];
        end
    endgenerate

    // ---- output skid (2 beats, first-word fall-through, bypassed when empty) ----------
    reg [PE*EW-1:0] q0, q1;
    assign m_valid = (fc != 0) || s2_valid;
    assign m_data = (fc != 0) ? q0 : rdata;
    always @(posedge clk) begin
        if (rst) begin
            fc <= 2'd0;
        end else begin
            case (fc)
                2'd0: if (s2_valid && !m_ready) begin
                    q0 <= rdata;
                    fc <= 2'd1;
                end
                2'd1: begin
                    if (pop && s2_valid) q0 <= rdata;
                    else if (pop) fc <= 2'd0;
                    else if (s2_valid) begin
                        q1 <= rdata;
                        fc <= 2'd2;
                    end
                end
                default: if (pop) begin
                    q0 <= q1;
                    if (s2_valid) q1 <= rdata;
                    else fc <= 2'd1;
                end
            endcase
        end
    end
endmodule
`default_nettype wire
