// fpgaforge RTL library: RMSNorm on fixed-point codes, optionally gated (IntRMSNorm; its
// weight is folded into the next linear), LANES codes per beat, N codes per vector.
//     g    = GATED ? shift_round(x * z, FRAC_GATE) : x       (z: the SiLU(gate) codes)
//     mean = sum(g^2 over a group of GROUP codes) / GROUP + EPS       (floor division)
//     t    = max(bitlen(mean) - TABLE_BITS, 0), made even
//     y    = shift_round(g * RSQRT[mean >> t], R_BITS + t/2 - FRAC_OUT)
// shift_round(v, s) = (v + 2^(s-1)) >> s for s > 0 (half up), v << -s for s <= 0. RSQRT_FILE
// holds the 2^TABLE_BITS unsigned R_W-bit entries of the reciprocal square root table.
// s_data: the x codes (lane 0 in the low bits, IN_W bits each), gated: then the z codes
// (Z_W bits each) above them.
// Two passes: the input pass takes the N/LANES beats at one per cycle, keeps g in a buffer and
// accumulates the sum of squares; after the last group's statistics (division by a constant:
// a shift for a power of two, else a multiplication by ceil(2^K / GROUP)) the output pass
// sends the N/LANES scaled beats at one per cycle (a stalled output stalls it). From the
// first input beat to the last output beat: 2 N/LANES + 8 cycles.
`default_nettype none
module ff_rmsnorm #(
    parameter integer LANES      = 1,
    parameter integer N          = 16,
    parameter integer GROUP      = 16,
    parameter integer GATED      = 0,
    parameter integer IN_W       = 16,
    parameter integer Z_W        = 16,
    parameter integer G_W        = 16,
    parameter integer OUT_W      = 16,
    parameter integer FRAC_GATE  = 0,
    parameter integer EPS        = 0,
    parameter integer TABLE_BITS = 10,
    parameter integer R_BITS     = 16,
    parameter integer FRAC_OUT   = 0,
    parameter integer R_W        = 17,
    parameter         RSQRT_FILE = "rsqrt.hex"
) (
    input  wire                                                  clk,
    input  wire                                                  rst,
    input  wire [LANES*IN_W+(GATED != 0 ? LANES*Z_W : 0)-1:0]    s_data,
    input  wire                                                  s_valid,
    output wire                                                  s_ready,
    output reg  [LANES*OUT_W-1:0]                                m_data,
    output reg                                                   m_valid,
    input  wire                                                  m_ready
);
    localparam integer NB = N / LANES;                   // beats per vector
    localparam integer GB = GROUP / LANES;               // beats per group
    localparam integer NG = N / GROUP;                   // groups
    localparam integer LG = GROUP > 1 ? $clog2(GROUP) : 1;
    localparam integer POW2 = (1 << LG) == GROUP ? 1 : 0;
    localparam integer SW = 2 * G_W + LG + 1;            // a group's sum of squares
    localparam integer DK = SW + LG;                     // division: (sum * DM) >> DK
    localparam integer MW = DK + 2;
    localparam integer AW = NB > 1 ? $clog2(NB) : 1;
    localparam integer BW = GB > 1 ? $clog2(GB) : 1;
    localparam integer GW = NG > 1 ? $clog2(NG) : 1;
    localparam integer TW = SW > 1 ? $clog2(SW + 1) : 1;
    localparam integer XW = IN_W + Z_W + 40;             // x * z and its rounding
    localparam integer PW = G_W + R_W + 72;              // g * r and its shifts

    function automatic [MW-1:0] magic(input integer unused);
        reg [MW-1:0] p;
        begin
            p = {MW{1'b0}};
            p[DK] = 1'b1;
            magic = (p + GROUP - 1) / GROUP;
        end
    endfunction
    localparam [MW-1:0] DM = magic(0);

    function automatic signed [PW-1:0] rnd(input signed [PW-1:0] v, input integer s);
        reg signed [PW-1:0] half;
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

    reg [R_W-1:0] rom [0:(1<<TABLE_BITS)-1];
    initial $readmemh(RSQRT_FILE, rom);
    reg [LANES*G_W-1:0] gbuf [0:NB-1];
    reg [R_W-1:0] rtab [0:NG-1];
    reg [TW-1:0]  ttab [0:NG-1];

    localparam [1:0] IN = 2'd0, WAIT = 2'd1, OUT = 2'd2;
    reg [1:0] phase;
    reg [AW-1:0] in_cnt, wr_cnt, rd_cnt;
    reg [BW-1:0] b_grp, r_grp;
    reg [GW-1:0] st_grp, r_gi;
    assign s_ready = phase == IN;
    wire take = s_valid && s_ready;

    // ---- input pass ----
    reg va, vb, vc, vd, ve;
    reg [LANES*IN_W+(GATED != 0 ? LANES*Z_W : 0)-1:0] xa;
    reg [LANES*G_W-1:0] gb;
    reg [SW-1:0] sqc, accd, sumd;
    reg firstc, lastc;
    reg [SW-1:0] meane;
    reg [LANES*G_W-1:0] g_next;
    reg [SW-1:0] sq_next, mean_next;
    reg [2*MW+SW-1:0] quot;
    reg [TW-1:0] t_next;
    reg [TABLE_BITS-1:0] idx_next;
    reg signed [XW-1:0] xv, zv, gv;
    reg signed [SW:0] gl;
    integer l, i, c, o;
    always @* begin
        g_next = {LANES*G_W{1'b0}};
        for (l = 0; l < LANES; l = l + 1) begin
            xv = $signed(xa[l*IN_W +: IN_W]);
            if (GATED != 0) begin
                zv = $signed(xa[LANES*IN_W + l*Z_W +: Z_W]);
                gv = rnd(xv * zv, FRAC_GATE);
            end else begin
                gv = xv;
            end
            g_next[l*G_W +: G_W] = gv[G_W-1:0];
        end
        sq_next = {SW{1'b0}};
        for (l = 0; l < LANES; l = l + 1) begin
            gl = $signed(gb[l*G_W +: G_W]);
            gl = gl * gl;
            sq_next = sq_next + gl[SW-1:0];
        end
        quot = POW2 != 0 ? sumd >> LG : (sumd * DM) >> DK;
        mean_next = quot[SW-1:0] + EPS;
        c = 0;
        for (i = 0; i < SW; i = i + 1) if (meane[i]) c = i + 1;
        c = c - TABLE_BITS;
        c = c < 0 ? 0 : c;
        c = c + (c & 1);
        t_next = c;
        idx_next = meane >> c;
    end

    always @(posedge clk) begin
        xa <= take ? s_data : xa;
        gb <= g_next;
        if (vb) gbuf[wr_cnt] <= gb;
        sqc <= sq_next;
        if (vc) accd <= (firstc ? {SW{1'b0}} : accd) + sqc;
        sumd <= (firstc ? {SW{1'b0}} : accd) + sqc;
        meane <= mean_next;
    end

    // ---- output pass ----
    wire adv = !m_valid || m_ready;
    reg vp, vq;
    reg [LANES*G_W-1:0] gp;
    reg [R_W-1:0] rp;
    reg [TW-1:0] tp;
    reg [LANES*PW-1:0] prodq;
    reg signed [31:0] sq;
    reg [LANES*OUT_W-1:0] y_next;
    reg [LANES*PW-1:0] prod_next;
    reg signed [PW-1:0] pv;
    always @* begin
        prod_next = {LANES*PW{1'b0}};
        y_next = {LANES*OUT_W{1'b0}};
        for (o = 0; o < LANES; o = o + 1) begin
            pv = $signed(gp[o*G_W +: G_W]) * $signed({1'b0, rp});
            prod_next[o*PW +: PW] = pv;
            pv = rnd($signed(prodq[o*PW +: PW]), sq);
            y_next[o*OUT_W +: OUT_W] = pv[OUT_W-1:0];
        end
    end

    always @(posedge clk) begin
        if (rst) begin
            phase <= IN;
            in_cnt <= {AW{1'b0}};
            wr_cnt <= {AW{1'b0}};
            rd_cnt <= {AW{1'b0}};
            b_grp <= {BW{1'b0}};
            r_grp <= {BW{1'b0}};
            st_grp <= {GW{1'b0}};
            r_gi <= {GW{1'b0}};
            va <= 1'b0;
            vb <= 1'b0;
            vc <= 1'b0;
            vd <= 1'b0;
            ve <= 1'b0;
            vp <= 1'b0;
            vq <= 1'b0;
            m_valid <= 1'b0;
        end else begin
            // input pass: accept, gate, square, accumulate, divide, table index
            va <= take;
            if (take) begin
                in_cnt <= in_cnt == NB - 1 ? {AW{1'b0}} : in_cnt + 1'b1;
                if (in_cnt == NB - 1) phase <= WAIT;
            end
            vb <= va;
            vc <= vb;
            if (vb) begin
                wr_cnt <= wr_cnt == NB - 1 ? {AW{1'b0}} : wr_cnt + 1'b1;
                b_grp <= b_grp == GB - 1 ? {BW{1'b0}} : b_grp + 1'b1;
                firstc <= b_grp == 0;
                lastc <= b_grp == GB - 1;
            end
            vd <= vc && lastc;
            ve <= vd;
            if (ve) begin
                rtab[st_grp] <= rom[idx_next];
                ttab[st_grp] <= t_next;
                st_grp <= st_grp == NG - 1 ? {GW{1'b0}} : st_grp + 1'b1;
                if (st_grp == NG - 1) phase <= OUT;
            end
            // output pass: read, multiply, shift
            if (adv) begin
                vp <= phase == OUT;
                if (phase == OUT) begin
                    gp <= gbuf[rd_cnt];
                    rp <= rtab[r_gi];
                    tp <= ttab[r_gi];
                    rd_cnt <= rd_cnt == NB - 1 ? {AW{1'b0}} : rd_cnt + 1'b1;
                    r_grp <= r_grp == GB - 1 ? {BW{1'b0}} : r_grp + 1'b1;
                    if (r_grp == GB - 1) r_gi <= r_gi == NG - 1 ? {GW{1'b0}} : r_gi + 1'b1;
                    if (rd_cnt == NB - 1) phase <= IN;
                end
                vq <= vp;
                prodq <= prod_next;
                sq <= R_BITS + $signed({1'b0, tp}) / 2 - FRAC_OUT;
                m_valid <= vq;
                m_data <= y_next;
            end
        end
    end
endmodule
`default_nettype wire
