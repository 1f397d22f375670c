// fpgaforge RTL library: a ROM built from logic, read combinationally: q = rom[addr].
// Contents from FILE ($readmemh; words DEPTH, width W). A module of its own that synthesis
// keeps (keep_hierarchy), so every data bit maps to LUTs of the address bits alone: one
// LUT6 per bit per 64 words (wider MUXF7 / MUXF8 trees above 64 words), whatever W.
// ff_mvau / ff_sparse_mvau read a logic weight ROM of more than 32 words through it: left
// in the flattened unit, yosys moved the unit's address register to the ROM's data side and
// mapped the 320- and 512-bit x 64-word ROMs at about 4 LUTs per bit. A ROM of at most 32
// words stays in the unit (its bits' LUTs have inputs to spare for the logic they feed, and
// its constant bits fold there; across the kept boundary they would not).
`default_nettype none
(* keep_hierarchy = "yes" *)
module ff_rom #(
    parameter integer W     = 8,
    parameter integer DEPTH = 2,
    parameter integer AB    = 1,
    parameter        FILE  = ""
) (
    input  wire [AB-1:0] addr,
    output wire [W-1:0]  q
);
    (* rom_style = "logic" *)
    reg [W-1:0] rom [0:DEPTH-1];
    generate
        if (FILE != "") begin : load
            initial $readmemh(FILE, rom);
        end
    endgenerate
    assign q = rom[addr];
endmodule
`default_nettype wire
