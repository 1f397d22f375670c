// fpgaforge RTL library: the weight ROM of a MAC unit (ff_mvau, ff_sparse_mvau), read
// combinationally: q = rom[addr], DEPTH words of W bits from FILE ($readmemh).
// PLACE chooses where it lives (the generator sets it from the schedule's placement, so
// synthesis builds what was costed):
//   1: block RAM;
//   2: logic. With at least 6 address bits (more than 32 words) an ff_rom, a module synthesis
//      keeps: every bit a LUT6 of the address bits alone, one per bit per 64 words. Smaller
//      ROMs stay in the unit's logic: this module is not kept, so after flattening their
//      constant bits fold into, and their LUTs merge with, the logic they feed;
//   0: the tool's choice.
// FILE "" (the default, e.g. when a tool elaborates the module on its own) leaves the ROM
// unloaded.
`default_nettype none
module ff_weight_rom #(
    parameter integer W     = 8,
    parameter integer DEPTH = 2,
    parameter integer AB    = 1,
    parameter integer PLACE = 0,
    parameter        FILE  = ""
) (
    input  wire [AB-1:0] addr,
    output wire [W-1:0]  q
);
    generate
        if (PLACE == 1) begin : in_block_ram
            (* rom_style = "block", ram_style = "block" *)
            reg [W-1:0] rom [0:DEPTH-1];
            if (FILE != "") begin : load
                initial $readmemh(FILE, rom);
            end
            assign q = rom[addr];
        end else if (PLACE == 2 && AB >= 6) begin : in_kept_rom
            ff_rom #(.W(W), .DEPTH(DEPTH), .AB(AB), .FILE(FILE)) u_rom (.addr(addr), .q(q));
        end else if (PLACE == 2) begin : in_unit_logic
            (* rom_style = "logic" *)
            reg [W-1:0] rom [0:DEPTH-1];
            if (FILE != "") begin : load
                initial $readmemh(FILE, rom);
            end
            assign q = rom[addr];
        end else begin : tool_choice
            reg [W-1:0] rom [0:DEPTH-1];
            if (FILE != "") begin : load
                initial $readmemh(FILE, rom);
            end
            assign q = rom[addr];
        end
    endgenerate
endmodule
`default_nettype wire
