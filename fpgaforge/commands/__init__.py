"""Subcommands of the `fpgaforge` CLI, one module each (see `fpgaforge.cli`)."""
