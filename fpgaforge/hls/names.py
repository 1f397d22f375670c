"""C++/Tcl names for the HLS backend (the shared rules live in `fpgaforge.names`)."""

from fpgaforge.names import CPP_KEYWORDS, Namer, comment_safe, identifier

safe_comment = comment_safe

__all__ = ["CPP_KEYWORDS", "Namer", "identifier", "safe_comment"]
