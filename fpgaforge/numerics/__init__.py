"""Numeric types and the integer arithmetic every quantized format lowers to.

The lowest layer of fpgaforge: it imports nothing from the rest of the package
except `fpgaforge.errors`. See docs/numerics.md.
"""
