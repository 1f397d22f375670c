"""Vitis HLS backend: kernel headers, project writer and C-simulation."""
