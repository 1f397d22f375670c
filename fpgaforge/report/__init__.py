"""Reports: what fpgaforge prints. The commands hand their results here.

    numbers       number and unit formatting (SI prefixes, percent, cycles, watts, joules)
    json_shapes   the JSON the commands print with --json, and how they print it
    tables/       rich tables and plain lines, one module per command's subject
    markdown      Markdown tables (the bench scripts)
    progress      spinners while a command waits

This package sits above dataflow, units, hls, rtl, sim, boards, quant, ir and
numerics (it may import them; none of them imports it) and below `fpgaforge.cli`
and `fpgaforge.commands`.
"""
