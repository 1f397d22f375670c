"""RTL backend: Verilog modules, generated top, lint and synthesis."""
