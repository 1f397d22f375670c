"""Bundled fpgaforge examples: trained digits models and plain-torch reference networks."""
