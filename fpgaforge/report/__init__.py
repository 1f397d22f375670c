"""Reports: tables, JSON, HTML and board comparisons."""
