"""Simulation: cocotb benches and runners for the generated RTL."""
