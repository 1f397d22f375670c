"""What the commands print as text: rich tables and plain lines, one module per subject."""
