// fpgaforge RTL library: AXI4-Lite control/status slave of a generated top (32-bit data,
// 8-bit byte addresses, one outstanding read and one outstanding write, OKAY responses).
//   0x00 ID          read-only, ID_VALUE ("FFRT")
//   0x04 VERSION     read-only, VERSION_VALUE (major << 16 | minor << 8 | patch)
//   0x08 CTRL        bit0 RUN (reset 1: the input stream is accepted only while set),
//                    bit1 SOFT_RESET (write 1: one-cycle datapath reset, reads 0),
//                    bit2 CLEAR (write 1: zero the counters, reads 0)
//   0x0C STATUS      bit0 DONE (sticky, set by the last output beat of an inference,
//                    write 1 to clear), bit1 BUSY (an inference is in flight),
//                    bits 31:16 inferences in flight
//   0x10 CYCLES      clock cycles since reset or CLEAR
//   0x14 INFERENCES  inferences completed (last output beat) since reset or CLEAR
//   0x18 BUSY_CYCLES cycles with an inference in flight since reset or CLEAR
//   0x1C LATENCY     cycles from the first input beat to the last output beat of the last
//                    inference that started while the design was idle
`default_nettype none
module ff_axil_regs #(
    parameter integer IN_BEATS      = 1,
    parameter integer ID_VALUE      = 32'h46465254,
    parameter integer VERSION_VALUE = 0
) (
    input  wire        clk,
    input  wire        rst,
    input  wire [7:0]  s_axil_awaddr,
    input  wire        s_axil_awvalid,
    output wire        s_axil_awready,
    input  wire [31:0] s_axil_wdata,
    input  wire [3:0]  s_axil_wstrb,
    input  wire        s_axil_wvalid,
    output wire        s_axil_wready,
    output wire [1:0]  s_axil_bresp,
    output reg         s_axil_bvalid,
    input  wire        s_axil_bready,
    input  wire [7:0]  s_axil_araddr,
    input  wire        s_axil_arvalid,
    output wire        s_axil_arready,
    output reg  [31:0] s_axil_rdata,
    output wire [1:0]  s_axil_rresp,
    output reg         s_axil_rvalid,
    input  wire        s_axil_rready,
    input  wire        in_fire,
    input  wire        out_fire,
    input  wire        out_last,
    output reg         run,
    output reg         soft_rst,
    output reg  [31:0] cycles,
    output reg  [31:0] inferences
);
    reg done;
    reg [15:0] in_flight;
    reg [31:0] in_beat, busy_cycles, latency, lat_count;
    reg timing;
    wire busy = in_flight != 16'd0;
    wire start = in_fire && in_beat == 32'd0;
    wire finish = out_fire && out_last;

    // write channel: address and data are taken together
    wire wr = s_axil_awvalid && s_axil_wvalid && !s_axil_bvalid;
    assign s_axil_awready = wr;
    assign s_axil_wready = wr;
    assign s_axil_bresp = 2'b00;
    wire [5:0] waddr = s_axil_awaddr[7:2];
    wire [2:0] wbyte = s_axil_wstrb[0] ? s_axil_wdata[2:0] : 3'd0;
    wire w_ctrl = wr && waddr == 6'd2;
    wire w_status = wr && waddr == 6'd3;
    wire clear = w_ctrl && wbyte[2];

    // read channel
    assign s_axil_arready = !s_axil_rvalid;
    assign s_axil_rresp = 2'b00;
    reg [31:0] rword;
    always @* begin
        case (s_axil_araddr[7:2])
            6'd0: rword = ID_VALUE;
            6'd1: rword = VERSION_VALUE;
            6'd2: rword = {31'd0, run};
            6'd3: rword = {in_flight, 14'd0, busy, done};
            6'd4: rword = cycles;
            6'd5: rword = inferences;
            6'd6: rword = busy_cycles;
            6'd7: rword = latency;
            default: rword = 32'd0;
        endcase
    end

    // the byte-address low bits and the upper write bytes select nothing
    wire unused = &{1'b0, s_axil_awaddr[1:0], s_axil_araddr[1:0], s_axil_wstrb[3:1],
                    s_axil_wdata[31:3]};

    always @(posedge clk) begin
        if (rst) begin
            s_axil_bvalid <= 1'b0;
            s_axil_rvalid <= 1'b0;
            s_axil_rdata <= 32'd0;
            run <= 1'b1;
            soft_rst <= 1'b0;
            done <= 1'b0;
            in_flight <= 16'd0;
            in_beat <= 32'd0;
            cycles <= 32'd0;
            inferences <= 32'd0;
            busy_cycles <= 32'd0;
            latency <= 32'd0;
            lat_count <= 32'd0;
            timing <= 1'b0;
        end else begin
            if (s_axil_bvalid && s_axil_bready) s_axil_bvalid <= 1'b0;
            if (wr) s_axil_bvalid <= 1'b1;
            if (s_axil_rvalid && s_axil_rready) s_axil_rvalid <= 1'b0;
            if (s_axil_arvalid && s_axil_arready) begin
                s_axil_rdata <= rword;
                s_axil_rvalid <= 1'b1;
            end
            if (w_ctrl) run <= wbyte[0];
            soft_rst <= w_ctrl && wbyte[1];
            cycles <= clear ? 32'd0 : cycles + 32'd1;
            busy_cycles <= clear ? 32'd0 : busy_cycles + {31'd0, busy};
            if (clear) inferences <= 32'd0;
            else if (finish) inferences <= inferences + 32'd1;
            if (finish) done <= 1'b1;
            else if (w_status && wbyte[0]) done <= 1'b0;
            if (soft_rst) begin
                in_flight <= 16'd0;
                in_beat <= 32'd0;
                timing <= 1'b0;
            end else begin
                if (in_fire) in_beat <= (in_beat == IN_BEATS - 1) ? 32'd0 : in_beat + 32'd1;
                in_flight <= in_flight + {15'd0, start} - {15'd0, finish};
                if (start && !busy) begin
                    timing <= 1'b1;
                    lat_count <= 32'd1;
                end else if (timing) begin
                    lat_count <= lat_count + 32'd1;
                    if (finish) begin
                        timing <= 1'b0;
                        latency <= lat_count + 32'd1;
                    end
                end
            end
        end
    end
endmodule
`default_nettype wire
